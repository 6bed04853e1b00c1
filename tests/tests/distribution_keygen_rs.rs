//! keygen-rs 0.14 (pinned in tests/Cargo.toml) against Latchkey's distribution routes, with
//! response-signature verification on: every function of its `release`, `artifact`,
//! `package`, `platform`, `arch` and `channel` modules is called here, and each either
//! passes or is asserted to fail the way it fails against Keygen itself (see the report in
//! docs/API.md "Distribution"): `Release::change_package` parses Keygen's package reply as a
//! release; `Artifact::create` and `Artifact::get` (on an uploaded artifact) follow the
//! 307/303 redirect to the storage link, whose answer is unsigned. Uploads go through the
//! 307's `Location` (keygen-rs has no upload function), downloads through
//! `Release::download_artifact`'s `Location`.
//! keygen-rs keeps its configuration in a global, so the tests of this binary run one at a time.

use std::sync::Mutex;

use e2e::{server, TestAccount};
use keygen_rs::arch::Arch;
use keygen_rs::artifact::{Artifact, ArtifactStatus, ListArtifactsOptions, UpdateArtifactRequest};
use keygen_rs::channel::Channel;
use keygen_rs::config::{set_config, KeygenConfig};
use keygen_rs::package::{CreatePackageRequest, Package, PackageEngine, UpdatePackageRequest};
use keygen_rs::platform::Platform;
use keygen_rs::release::{CreateReleaseRequest, Release, ReleaseChannel, ReleaseStatus, ReleaseUpgradeRequest, UpdateReleaseRequest};
use serde_json::json;

static GLOBAL_CONFIG: Mutex<()> = Mutex::new(());

fn configure(acct: &TestAccount, token: Option<String>) {
    set_config(KeygenConfig {
        api_url: format!("{}/v1/accounts", server().url()),
        api_prefix: acct.id.clone(),
        account: acct.id.clone(),
        public_key: Some(acct.public_key_hex.clone()),
        verify_keygen_signature: Some(true),
        token,
        ..Default::default()
    })
    .expect("config");
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// Creates an artifact through the API (the 307) and uploads `bytes` to its Location.
fn upload(acct: &TestAccount, release: &str, filename: &str, platform: &str, bytes: &[u8]) -> String {
    let c = acct.client();
    let body = json!({"data":{"type":"artifacts","attributes":{"filename":filename,"platform":platform,"arch":"amd64"},
        "relationships":{"release":{"data":{"type":"releases","id":release}}}}});
    let r = c.post(&acct.path("/artifacts"), acct.admin(), Some(body));
    assert_eq!(r.status, 307, "{}", r.json);
    let loc = r.header("location").unwrap_or_default().to_owned();
    let path = loc.strip_prefix(server().url()).unwrap_or_default();
    let len = bytes.len().to_string();
    c.raw("PUT", path, &[("Content-Length", &len)], Some(bytes)).assert_status(200);
    r.json["data"]["id"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn keygen_rs_release_artifact_package_platform_arch_and_channel_functions() {
    let _g = GLOBAL_CONFIG.lock().unwrap_or_else(|e| e.into_inner());
    let acct = server().bootstrap_account();
    let c = acct.client();
    let product =
        c.post(&acct.path("/products"), acct.admin(), Some(json!({"data":{"type":"products","attributes":{"name":"SDK app","distributionStrategy":"OPEN"}}})));
    let product = product.json["data"]["id"].as_str().unwrap_or_default().to_owned();
    let ent = c.post(&acct.path("/entitlements"), acct.admin(), Some(json!({"data":{"type":"entitlements","attributes":{"name":"Pro","code":"pro"}}})));
    let ent = ent.json["data"]["id"].as_str().unwrap_or_default().to_owned();
    configure(&acct, Some(acct.admin_token.clone()));
    rt().block_on(async {
        // package::create / get / list / update
        let pkg = Package::create(CreatePackageRequest {
            name: "App".into(),
            key: "sdk-app".into(),
            product_id: product.clone(),
            engine: Some(PackageEngine::Raw),
            metadata: None,
        })
        .await
        .expect("Package::create");
        assert_eq!(Package::get("sdk-app").await.expect("Package::get").id, pkg.id);
        assert_eq!(Package::list(None).await.expect("Package::list").len(), 1);
        let pkg = pkg.update(UpdatePackageRequest { name: Some("App 2".into()), key: None, metadata: None }).await.expect("Package::update");
        assert_eq!(pkg.name, "App 2");

        // release::create / get / list / update / publish / yank
        let mk = |v: &str, ch: ReleaseChannel| CreateReleaseRequest {
            version: v.into(),
            channel: ch,
            product_id: product.clone(),
            name: None,
            description: None,
            status: Some(ReleaseStatus::Published),
            tag: None,
            metadata: None,
        };
        let r1 = Release::create(mk("1.0.0", ReleaseChannel::Stable)).await.expect("Release::create");
        let r2 = Release::create(mk("1.1.0", ReleaseChannel::Stable)).await.expect("Release::create 1.1.0");
        let draft = Release::create(CreateReleaseRequest { status: None, ..mk("2.0.0-beta.1", ReleaseChannel::Beta) }).await.expect("Release::create draft");
        assert!(matches!(draft.status, ReleaseStatus::Draft));
        assert_eq!(Release::get("1.0.0").await.expect("Release::get by version").id, r1.id);
        assert_eq!(Release::list(None).await.expect("Release::list").len(), 3);
        let r1 = r1
            .update(UpdateReleaseRequest { name: Some("First".into()), description: None, channel: None, tag: Some("first".into()), metadata: None })
            .await
            .expect("Release::update");
        assert_eq!(r1.tag.as_deref(), Some("first"));
        let draft = draft.publish().await.expect("Release::publish");
        assert!(matches!(draft.status, ReleaseStatus::Published));
        let draft = draft.yank().await.expect("Release::yank");
        assert!(matches!(draft.status, ReleaseStatus::Yanked));

        // release::upgrade (stable channel: 1.1.0, the yanked beta never)
        let up = r1
            .upgrade(Some(&ReleaseUpgradeRequest {
                product: Some(product.clone()),
                constraint: Some("1".into()),
                package: None,
                channel: Some(ReleaseChannel::Stable),
            }))
            .await
            .expect("Release::upgrade");
        assert_eq!(up.version, "1.1.0");
        assert!(r2.upgrade(None).await.is_err(), "up to date: 404");

        // release::attach_constraints / constraints / detach_constraints
        let cons = r2.attach_constraints(std::slice::from_ref(&ent)).await.expect("Release::attach_constraints");
        assert_eq!(cons.len(), 1);
        assert_eq!(r2.constraints(None).await.expect("Release::constraints").len(), 1);
        r2.detach_constraints(&[cons[0].id.clone()]).await.expect("Release::detach_constraints");
        assert!(r2.constraints(None).await.expect("Release::constraints").is_empty());

        // Upload through the 307 Location; then the artifact module and downloads.
        let a1 = upload(&acct, &r2.id, "app_linux_amd64", "linux", b"linux bytes");
        let waiting = {
            let body =
                json!({"data":{"type":"artifacts","attributes":{"filename":"later.bin"},"relationships":{"release":{"data":{"type":"releases","id":r2.id}}}}});
            let r = c.post(&acct.path("/artifacts"), acct.admin(), Some(body));
            r.json["data"]["id"].as_str().unwrap_or_default().to_owned()
        };
        let listed = Artifact::list(Some(ListArtifactsOptions { release: Some(r2.id.clone()), ..Default::default() })).await.expect("Artifact::list");
        assert_eq!(listed.len(), 2);
        assert_eq!(r2.artifacts(None).await.expect("Release::artifacts").len(), 2);
        let w = Artifact::get(&waiting).await.expect("Artifact::get (not yet downloadable: 200)");
        assert!(matches!(w.status, ArtifactStatus::Waiting));
        assert!(Artifact::get(&a1).await.is_err(), "Artifact::get follows the 303 to the unsigned storage answer (as against Keygen)");
        let url = r2.artifact_download_url("app_linux_amd64").expect("Release::artifact_download_url");
        assert!(url.ends_with(&format!("/releases/{}/artifacts/app_linux_amd64", r2.id)), "{url}");
        let dl = r2.download_artifact("app_linux_amd64").await.expect("Release::download_artifact");
        let got = c.raw("GET", dl.location.strip_prefix(server().url()).unwrap_or_default(), &[], None);
        assert_eq!(got.body, b"linux bytes".to_vec(), "the Location serves the uploaded bytes without auth");
        let a = Artifact::list(Some(ListArtifactsOptions { platform: Some("linux".into()), ..Default::default() })).await.expect("Artifact::list by platform");
        let a = a.into_iter().next().expect("one linux artifact");
        let a = a
            .update(UpdateArtifactRequest {
                filename: None,
                filetype: None,
                platform: None,
                arch: None,
                signature: Some("sig".into()),
                checksum: None,
                metadata: None,
            })
            .await
            .expect("Artifact::update");
        assert_eq!(a.signature.as_deref(), Some("sig"));

        // platform / arch / channel: list and get.
        let plats = Platform::list(None).await.expect("Platform::list");
        assert_eq!(plats.iter().map(|p| p.key.as_str()).collect::<Vec<_>>(), ["linux"]);
        assert_eq!(Platform::get(&plats[0].id).await.expect("Platform::get").key, "linux");
        let arches = Arch::list(None).await.expect("Arch::list");
        assert_eq!(Arch::get(&arches[0].id).await.expect("Arch::get").key, "amd64");
        let chans = Channel::list(None).await.expect("Channel::list");
        assert!(chans.iter().any(|c| c.key == "stable") && chans.iter().any(|c| c.key == "beta"));
        assert_eq!(Channel::get(&chans[0].id).await.expect("Channel::get").key, chans[0].key);

        // artifact::yank / delete, release::change_package / delete, package::delete.
        let a = a.yank().await.expect("Artifact::yank");
        assert!(matches!(a.status, ArtifactStatus::Yanked));
        a.delete().await.expect("Artifact::delete");
        assert!(r1.change_package(&pkg.id).await.is_err(), "Keygen answers PUT /releases/{{id}}/package with the package, which keygen-rs parses as a release");
        let moved = c.get(&acct.path(&format!("/releases/{}/package", r1.id)), acct.admin(), None);
        assert_eq!(moved.json["data"]["id"], pkg.id.as_str(), "the change itself happened");
        r1.delete().await.expect("Release::delete");
        assert!(Release::get(&r1.id).await.is_err());
        pkg.delete().await.expect("Package::delete");
        assert!(Package::get("sdk-app").await.is_err());
    });
}

#[test]
fn keygen_rs_artifact_create_follows_the_307_and_fails_as_against_keygen() {
    let _g = GLOBAL_CONFIG.lock().unwrap_or_else(|e| e.into_inner());
    let acct = server().bootstrap_account();
    let c = acct.client();
    let product = c.post(&acct.path("/products"), acct.admin(), Some(json!({"data":{"type":"products","attributes":{"name":"SDK"}}})));
    let product = product.json["data"]["id"].as_str().unwrap_or_default().to_owned();
    configure(&acct, Some(acct.admin_token.clone()));
    rt().block_on(async {
        let r = Release::create(CreateReleaseRequest {
            version: "1.0.0".into(),
            channel: ReleaseChannel::Stable,
            product_id: product.clone(),
            name: None,
            description: None,
            status: None,
            tag: None,
            metadata: None,
        })
        .await
        .expect("Release::create");
        let res = Artifact::create(keygen_rs::artifact::CreateArtifactRequest {
            filename: "x.bin".into(),
            release_id: r.id.clone(),
            filetype: None,
            filesize: None,
            platform: None,
            arch: None,
            signature: None,
            checksum: None,
            metadata: None,
        })
        .await;
        assert!(res.is_err(), "reqwest re-POSTs the JSON to the upload link (405, unsigned)");
        // The artifact was created (WAITING) before the redirect, and nothing was stored.
        let list = Artifact::list(None).await.expect("Artifact::list");
        assert_eq!(list.len(), 1);
        assert!(matches!(list[0].status, ArtifactStatus::Waiting));
    });
}
