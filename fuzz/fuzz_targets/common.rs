//! The engine every message target shares: the bundled rules, compiled once.

use kefu::Engine;
use std::sync::OnceLock;

pub fn apparel() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        Engine::from_yaml_str(include_str!("../../rules/apparel.yaml"))
            .unwrap_or_else(|e| panic!("bundled rules: {e}"))
    })
}
