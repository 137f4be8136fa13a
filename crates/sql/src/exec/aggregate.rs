//! Hash aggregation: one accumulator per aggregate per group, with FILTER, DISTINCT and
//! ORDER BY inside the call. Output rows are the aggregates' results, then the group values.

use std::collections::{HashMap, HashSet};

use embeddb_types::{Row, SqlResult, Value};

use super::context::ExecContext;
use super::sort::{compare_keys, eval_keys};
use super::{BoxedOperator, CHUNK_ROWS, Chunk, MemoryTracker, Operator};
use crate::expr::Expr;
use crate::functions::aggregate::{Accumulator, accumulator};
use crate::plan::AggregateCall;

/// The state of one aggregate in one group.
struct AggregateState {
    accumulator: Box<dyn Accumulator>,
    /// Argument tuples already seen, for DISTINCT.
    seen: Option<HashSet<Vec<Value>>>,
    /// (sort keys, arguments) held back until the group ends, for ORDER BY in the call.
    ordered: Option<Vec<(Vec<Value>, Vec<Value>)>>,
}

pub struct HashAggregate {
    input: Option<BoxedOperator>,
    group_by: Vec<Expr>,
    calls: Vec<AggregateCall>,
    ctx: ExecContext,
    output: std::vec::IntoIter<Row>,
}

impl HashAggregate {
    pub fn new(
        input: BoxedOperator,
        group_by: Vec<Expr>,
        calls: Vec<AggregateCall>,
        ctx: ExecContext,
    ) -> SqlResult<Self> {
        Ok(HashAggregate {
            input: Some(input),
            group_by,
            calls,
            ctx,
            output: Vec::new().into_iter(),
        })
    }

    fn new_states(&self) -> Vec<AggregateState> {
        self.calls
            .iter()
            .map(|call| {
                let arg_types: Vec<_> = call.args.iter().map(|a| a.ty.clone()).collect();
                AggregateState {
                    accumulator: accumulator(call.func, &arg_types, &call.ty),
                    seen: call.distinct.then(HashSet::new),
                    ordered: (!call.order_by.is_empty()).then(Vec::new),
                }
            })
            .collect()
    }

    fn update(
        &self,
        states: &mut [AggregateState],
        row: &[Value],
        memory: &mut MemoryTracker,
    ) -> SqlResult<()> {
        for (call, state) in self.calls.iter().zip(states.iter_mut()) {
            if let Some(filter) = &call.filter
                && !filter.eval_predicate(row, &self.ctx)?
            {
                continue;
            }
            let mut args = Vec::with_capacity(call.args.len());
            for a in &call.args {
                args.push(a.eval(row, &self.ctx)?);
            }
            if let Some(seen) = state.seen.as_mut() {
                // DISTINCT ignores NULL arguments for strict aggregates, as they would be.
                if args.iter().any(Value::is_null)
                    && call.func != crate::functions::aggregate::AggregateFunction::ArrayAgg
                {
                    continue;
                }
                if seen.contains(&args) {
                    continue;
                }
                memory.add_row(&args)?;
                seen.insert(args.clone());
            }
            if let Some(ordered) = state.ordered.as_mut() {
                let keys = eval_keys(&call.order_by, row, &self.ctx)?;
                memory.add_row(&args)?;
                ordered.push((keys, args));
                continue;
            }
            state.accumulator.update(&args, &self.ctx.format)?;
        }
        Ok(())
    }

    fn finish(&self, states: Vec<AggregateState>, group: Vec<Value>) -> SqlResult<Row> {
        let mut row = Vec::with_capacity(states.len() + group.len());
        for (call, mut state) in self.calls.iter().zip(states) {
            if let Some(mut ordered) = state.ordered.take() {
                ordered.sort_by(|a, b| compare_keys(&a.0, &b.0, &call.order_by));
                for (_, args) in ordered {
                    state.accumulator.update(&args, &self.ctx.format)?;
                }
            }
            row.push(state.accumulator.finish(&self.ctx.format)?);
        }
        row.extend(group);
        Ok(row)
    }

    fn run(&mut self, mut input: BoxedOperator) -> SqlResult<()> {
        let mut memory = MemoryTracker::new(self.ctx.work_mem_bytes, "hash aggregation");
        let mut out = Vec::new();
        if self.group_by.is_empty() {
            // One group over all rows; with no rows, the aggregates of an empty set.
            let mut states = self.new_states();
            while let Some(chunk) = input.next_chunk()? {
                for row in chunk {
                    self.update(&mut states, &row, &mut memory)?;
                }
            }
            out.push(self.finish(states, Vec::new())?);
        } else {
            let mut index: HashMap<Vec<Value>, usize> = HashMap::new();
            let mut groups: Vec<(Vec<Value>, Vec<AggregateState>)> = Vec::new();
            while let Some(chunk) = input.next_chunk()? {
                self.ctx.check_interrupt()?;
                for row in chunk {
                    let mut key = Vec::with_capacity(self.group_by.len());
                    for g in &self.group_by {
                        key.push(g.eval(&row, &self.ctx)?);
                    }
                    let slot = match index.get(&key) {
                        Some(i) => *i,
                        None => {
                            memory.add_row(&key)?;
                            memory.add(64 * self.calls.len())?;
                            groups.push((key.clone(), self.new_states()));
                            index.insert(key, groups.len() - 1);
                            groups.len() - 1
                        }
                    };
                    let states = &mut groups[slot].1;
                    // Borrow dance: update needs &self while states is borrowed from groups.
                    let mut taken = std::mem::take(states);
                    let result = self.update(&mut taken, &row, &mut memory);
                    groups[slot].1 = taken;
                    result?;
                }
            }
            drop(index);
            for (key, states) in groups {
                out.push(self.finish(states, key)?);
            }
        }
        self.output = out.into_iter();
        Ok(())
    }
}

impl Operator for HashAggregate {
    fn next_chunk(&mut self) -> SqlResult<Option<Chunk>> {
        if let Some(input) = self.input.take() {
            self.run(input)?;
        }
        let chunk: Chunk = self.output.by_ref().take(CHUNK_ROWS).collect();
        Ok(if chunk.is_empty() { None } else { Some(chunk) })
    }
}
