//! Placeholder until the array implementation lands.
use crate::{DataType, Value};
#[derive(Clone, Debug)]
pub struct Array {
    pub element_type: DataType,
    pub elements: Vec<Value>,
}
