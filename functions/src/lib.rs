//! The Latchkey Worker.
