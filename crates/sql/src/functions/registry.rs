//! The table of built-in scalar functions, built once at first use.

use std::collections::HashMap;
use std::sync::OnceLock;

use embeddb_types::DataType;

use super::{ArgType, Overload, ReturnType, ScalarImpl, Volatility};

/// Function name → overloads. Names are stored lower-case, as PostgreSQL folds them.
pub struct Registry {
    functions: HashMap<&'static str, Vec<Overload>>,
}

impl Registry {
    /// Adds an immutable, strict overload; adjust the returned entry for other properties.
    pub fn add(
        &mut self,
        name: &'static str,
        args: Vec<ArgType>,
        ret: ReturnType,
        imp: ScalarImpl,
    ) -> &mut Overload {
        let list = self.functions.entry(name).or_default();
        list.push(Overload {
            args,
            variadic: false,
            ret,
            imp,
            strict: true,
            volatility: Volatility::Immutable,
        });
        let last = list.len() - 1;
        &mut list[last]
    }

    /// Shorthand for an overload with exact argument and result types.
    pub fn exact(
        &mut self,
        name: &'static str,
        args: &[DataType],
        ret: DataType,
        imp: ScalarImpl,
    ) -> &mut Overload {
        self.add(
            name,
            args.iter().cloned().map(ArgType::Exact).collect(),
            ReturnType::Exact(ret),
            imp,
        )
    }
}

impl Overload {
    pub fn stable(&mut self) -> &mut Self {
        self.volatility = Volatility::Stable;
        self
    }

    pub fn volatile(&mut self) -> &mut Self {
        self.volatility = Volatility::Volatile;
        self
    }

    /// Called even when arguments are NULL (the body handles NULL itself).
    pub fn non_strict(&mut self) -> &mut Self {
        self.strict = false;
        self
    }

    pub fn variadic(&mut self) -> &mut Self {
        self.variadic = true;
        self
    }
}

fn registry() -> &'static HashMap<&'static str, Vec<Overload>> {
    static REGISTRY: OnceLock<HashMap<&'static str, Vec<Overload>>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut r = Registry {
            functions: HashMap::new(),
        };
        super::scalar::register_all(&mut r);
        crate::catalog_views::register_functions(&mut r);
        r.functions
    })
}

/// The overloads of a function, with its name as a static string.
pub fn lookup(name: &str) -> Option<(&'static str, &'static [Overload])> {
    registry()
        .get_key_value(name)
        .map(|(k, v)| (*k, v.as_slice()))
}

/// Every registered function name (for catalogs and tests).
pub fn registry_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = registry().keys().copied().collect();
    names.sort_unstable();
    names
}
