//! Scalar function implementations, grouped by what they work on. Each module registers its
//! functions with the registry.

mod math;
mod string;
mod system;

pub use system::VERSION_TEXT;

use super::registry::Registry;

pub(super) fn register_all(r: &mut Registry) {
    string::register(r);
    math::register(r);
    system::register(r);
}
