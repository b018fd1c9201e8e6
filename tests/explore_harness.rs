//! The harness runs an exploration as one `cargo test` trial: it passes against the clean
//! reference server and fails (with the shrunk case) against a faulty one.

#![cfg(feature = "server")]

use libtest_mimic::Arguments;
use sessconform::explore::{Budget, ExploreApi, ExploreConfig};
use sessconform::harness::Harness;
use sessconform::server::{Fault, ServerOptions, start};

fn only_exploration() -> Arguments {
    Arguments {
        filter: Some("explore-stytch::exploration".to_owned()),
        test_threads: Some(1),
        ..Arguments::default()
    }
}

fn cfg() -> ExploreConfig {
    ExploreConfig {
        budget: Budget::Requests(120),
        ..ExploreConfig::default()
    }
}

#[test]
fn exploration_is_one_trial_that_passes_on_the_clean_server() {
    let c = Harness::new()
        .explore(cfg())
        .run_with_args(&only_exploration());
    assert_eq!((c.num_passed, c.num_failed), (1, 0), "{c:?}");
}

#[test]
fn exploration_trial_fails_on_a_faulty_server() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt
        .block_on(start(ServerOptions {
            faults: [Fault::ReviveOnExtend].into_iter().collect(),
            ..ServerOptions::default()
        }))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.yaml");
    std::fs::write(&target, server.target_yaml()).unwrap();
    let c = Harness::new()
        .target_file(&target)
        .explore(ExploreConfig {
            allow_mutating: true,
            budget: Budget::Requests(400),
            ..ExploreConfig::default()
        })
        .run_with_args(&only_exploration());
    assert_eq!((c.num_passed, c.num_failed), (0, 1), "{c:?}");
    rt.block_on(server.shutdown());
}

#[test]
fn clerk_exploration_is_its_own_trial() {
    let c = Harness::new()
        .explore(ExploreConfig {
            api: ExploreApi::Clerk,
            ..cfg()
        })
        .run_with_args(&Arguments {
            filter: Some("explore-clerk::exploration".to_owned()),
            test_threads: Some(1),
            ..Arguments::default()
        });
    assert_eq!((c.num_passed, c.num_failed), (1, 0), "{c:?}");
}
