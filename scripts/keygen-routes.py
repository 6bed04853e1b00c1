#!/usr/bin/env python3
"""Keygen's licensing and distribution routes (the `concern :v1` block of keygen-api's
config/routes.rb and the engine concerns it mounts) as `METHOD /path` lines, for
functions/src/keygen_routes.txt (issue 8's route comparison, checked by
functions/src/keygen_routes_tests.rs). A small reader of the Rails routing DSL as that file uses
it: resources/resource (only/except/path), member, collection, scope/namespace paths,
version_constraint (noted), concerns, verbs and match. Usage:
    git --git-dir=<keygen-api>/.git show HEAD:config/routes.rb > routes.rb
    scripts/keygen-routes.py routes.rb <commit> > functions/src/keygen_routes.txt
"""
import re, sys
src = open(sys.argv[1]).read().split('\n')
# join continuation lines (unbalanced braces/brackets)
lines = []
buf = ''
depth = 0
for raw in src:
    line = raw.split(' #')[0] if not raw.strip().startswith('#') else ''
    if raw.strip().startswith('#'):
        continue
    buf = (buf + ' ' + line.strip()) if buf else line.strip()
    depth = buf.count('{') - buf.count('}') + buf.count('[') - buf.count(']') + buf.count('(') - buf.count(')')
    if depth <= 0:
        if buf: lines.append(buf)
        buf = ''
# find concern blocks
def block(start):
    # returns index of matching end for a line ending with 'do'
    d = 0
    for i in range(start, len(lines)):
        l = lines[i]
        if re.search(r'\bdo( \|[^|]*\|)?$', l): d += 1
        elif l == 'end' or l.startswith('end '): d -= 1
        if d == 0: return i
    raise Exception('unbalanced')
concerns = {}
i = 0
while i < len(lines):
    m = re.match(r'concern :(\w+) do$', lines[i])
    if m:
        j = block(i); concerns[m.group(1)] = (i+1, j); i = j
    i += 1
out = []
def opt(l, key):
    m = re.search(key + r":\s*(%i\[[^\]]*\]|'[^']*'|\"[^\"]*\"|:\w+)", l)
    if not m: return None
    v = m.group(1)
    if v.startswith('%i['): return v[3:-1].split()
    if v.startswith(':'): return v[1:]
    return v[1:-1]
def seg(p):
    p = re.sub(r'\(/@:(\w+)\)', r'(/@{\1})', p)
    return re.sub(r':(\w+)', r'{\1}', p)
def emit(verb, path, note):
    path = re.sub(r'/+', '/', path)
    if len(path) > 1: path = path.rstrip('/')
    if '(' in path:
        a = re.sub(r'\([^)]*\)', '', path); b = path.replace('(', '').replace(')', '')
        emit(verb, a, note); emit(verb, b, note); return
    out.append((verb.upper(), path, note))
def walk(a, b, ctx):
    i = a
    while i < b:
        l = lines[i]
        has_do = bool(re.search(r'\bdo( \|[^|]*\|)?$', l))
        j = block(i) if has_do else i
        m = re.match(r'(resources?)\s+:(\w+)(.*)$', l)
        if m:
            plural = m.group(1) == 'resources'; name = m.group(2); rest = m.group(3)
            path = opt(rest, 'path') or name
            only = opt(rest, 'only'); exc = opt(rest, 'except') or []
            acts = only if only is not None else ['index','create','show','update','destroy']
            acts = [x for x in acts if x not in exc]
            coll = ctx['prefix'] + '/' + path
            mem = coll + '/{id}' if plural else coll
            for act in acts:
                if plural:
                    if act == 'index': emit('get', coll, ctx['note'])
                    if act == 'create': emit('post', coll, ctx['note'])
                    if act == 'show': emit('get', mem, ctx['note'])
                    if act == 'update': emit('patch', mem, ctx['note']); emit('put', mem, ctx['note'])
                    if act == 'destroy': emit('delete', mem, ctx['note'])
                else:
                    if act == 'show': emit('get', coll, ctx['note'])
                    if act == 'create': emit('post', coll, ctx['note'])
                    if act == 'update': emit('patch', coll, ctx['note']); emit('put', coll, ctx['note'])
                    if act == 'destroy': emit('delete', coll, ctx['note'])
            if has_do:
                walk(i+1, j, dict(ctx, prefix=mem, member=mem, coll=coll))
            i = j + 1; continue
        if re.match(r'member do$', l):
            walk(i+1, j, dict(ctx, prefix=ctx['member'])); i = j+1; continue
        if re.match(r'collection do$', l):
            walk(i+1, j, dict(ctx, prefix=ctx['coll'])); i = j+1; continue
        m = re.match(r"(scope|namespace)\s*(.*?)\s*do$", l)
        if m:
            args = m.group(2); p = ctx['prefix']
            first = re.match(r"^(:\w+|'[^']*')", args)
            if m.group(1) == 'namespace':
                p += '/' + (opt(args, 'path') or first.group(1).strip(":'"))
            elif first:
                p += '/' + seg(first.group(1).strip(":'"))
            walk(i+1, j, dict(ctx, prefix=p)); i = j+1; continue
        m = re.match(r"version_constraint '([^']*)' do$", l)
        if m:
            walk(i+1, j, dict(ctx, note='api ' + m.group(1))); i = j+1; continue
        if re.match(r'(ee|constraints.*) do$', l):
            walk(i+1, j, ctx); i = j+1; continue
        m = re.match(r'concerns :(\w+)$', l)
        if m:
            ca, cb = concerns[m.group(1)]; walk(ca, cb, ctx); i += 1; continue
        m = re.match(r"(get|post|put|patch|delete)\s+(:\w+|'[^']*')(.*)$", l)
        if m:
            verb, target, rest = m.groups()
            p = opt(rest, 'path') or (target[1:-1] if target.startswith("'") else target[1:])
            path = ctx['prefix'] + ('' if p == '/' else '/' + seg(p))
            emit(verb, path, ctx['note']); i += 1; continue
        m = re.match(r"match\s+'([^']*)',\s*via:\s*(%i\[[^\]]*\]|:\w+)(.*)$", l)
        if m:
            p, via, rest = m.groups()
            verbs = via[3:-1].split() if via.startswith('%i[') else [via[1:]]
            for v in verbs:
                emit(v, ctx['prefix'] + '/' + seg(p.lstrip('/')), ctx['note'] + (' wildcard' if '*' in p else ''))
            i += 1; continue
        m = re.match(r"root via: :(\w+)", l)
        if m:
            emit(m.group(1), ctx['prefix'], ctx['note']); i += 1; continue
        if has_do:
            print('UNHANDLED BLOCK', l, file=sys.stderr); i = j + 1; continue
        if l != 'end':
            print('UNHANDLED', l, file=sys.stderr)
        i += 1
a, b = concerns['v1']
walk(a, b, {'prefix': '', 'member': '', 'coll': '', 'note': ''})
seen = set()
print(f"# Keygen's routes (keygen-sh/keygen-api {sys.argv[2] if len(sys.argv) > 2 else ''}, config/routes.rb), by scripts/keygen-routes.py.")
for v, p, n in out:
    if (v, p) in seen: continue
    seen.add((v, p))
    print(f"{v} {p}" + (f"  # {n.strip()}" if n.strip() else ''))
