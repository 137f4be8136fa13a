//! Placeholder until the numeric implementation lands.
#[derive(Clone, Debug)]
pub struct Numeric;
impl Numeric {
    pub fn heap_size_bytes(&self) -> usize {
        0
    }
}
