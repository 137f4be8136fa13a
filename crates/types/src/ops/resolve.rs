//! PostgreSQL's overload resolution: `oper()` for operators (exact match, the unknown-literal
//! rule, then `func_select_candidate`), the same candidate selection for functions, and
//! `select_common_type` for UNION/CASE/COALESCE/VALUES/IN.

use super::catalog::{binary_candidates, unary_candidates};
use super::{BinaryOp, OperatorSig, UnaryOp, UnarySig};
use crate::cast::{CastContext, can_coerce};
use crate::datatype::{DataType, TypeCategory};
use crate::error::{SqlError, SqlResult, SqlState};

/// Why candidate selection failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CandidateError {
    /// No candidate accepts the argument types.
    NotFound,
    /// Several candidates remain and none is best.
    Ambiguous,
}

fn is_preferred_in(category: TypeCategory, t: &DataType) -> bool {
    t.is_preferred() && t.category() == category
}

fn implicit_ok(from: &DataType, to: &DataType) -> bool {
    from == to || can_coerce(from, to, CastContext::Implicit)
}

/// PostgreSQL's `func_select_candidate` (with `func_match_argtypes` and the exact-match check
/// in front): picks the best of `candidates` (argument type lists) for `args`. Types are
/// compared without their modifiers.
pub fn select_function_candidate(
    candidates: &[Vec<DataType>],
    args: &[DataType],
) -> Result<usize, CandidateError> {
    let args: Vec<DataType> = args.iter().map(DataType::without_typmod).collect();
    let cands: Vec<Vec<DataType>> = candidates
        .iter()
        .map(|c| c.iter().map(DataType::without_typmod).collect())
        .collect();
    let nargs = args.len();
    if let Some(i) = cands.iter().position(|c| *c == args) {
        return Ok(i);
    }
    // func_match_argtypes: keep candidates every argument coerces to implicitly.
    let mut live: Vec<usize> = (0..cands.len())
        .filter(|&i| {
            cands[i].len() == nargs && args.iter().zip(&cands[i]).all(|(a, c)| implicit_ok(a, c))
        })
        .collect();
    match live.len() {
        0 => return Err(CandidateError::NotFound),
        1 => return Ok(live[0]),
        _ => {}
    }
    let unknown = DataType::Unknown;
    let nunknowns = args.iter().filter(|a| **a == unknown).count();

    // Keep the candidates with the most exact matches on known inputs.
    let keep_best = |live: &[usize], score: &dyn Fn(&[DataType]) -> usize| -> Vec<usize> {
        let best = live.iter().map(|&i| score(&cands[i])).max().unwrap_or(0);
        live.iter()
            .copied()
            .filter(|&i| score(&cands[i]) == best)
            .collect()
    };
    live = keep_best(&live, &|c| {
        args.iter()
            .zip(c)
            .filter(|(a, t)| **a != unknown && *a == *t)
            .count()
    });
    if live.len() == 1 {
        return Ok(live[0]);
    }
    // Then those taking preferred types where coercion is needed.
    live = keep_best(&live, &|c| {
        args.iter()
            .zip(c)
            .filter(|(a, t)| **a != unknown && (*a == *t || is_preferred_in(a.category(), t)))
            .count()
    });
    if live.len() == 1 {
        return Ok(live[0]);
    }
    // Resolve unknown inputs by category, preferring the string category.
    if nunknowns > 0 {
        let mut resolved = true;
        let mut slot: Vec<Option<(TypeCategory, bool)>> = vec![None; nargs];
        for i in 0..nargs {
            if args[i] != unknown {
                continue;
            }
            let mut cat: Option<(TypeCategory, bool)> = None;
            let mut conflict = false;
            for &ci in &live {
                let t = &cands[ci][i];
                let (c, p) = (t.category(), t.is_preferred());
                match cat {
                    None => cat = Some((c, p)),
                    Some((sc, sp)) if sc == c => cat = Some((sc, sp || p)),
                    Some(_) => {
                        if c == TypeCategory::String {
                            cat = Some((c, p));
                        } else {
                            conflict = true;
                        }
                    }
                }
            }
            if conflict && cat.map(|c| c.0) != Some(TypeCategory::String) {
                resolved = false;
                break;
            }
            slot[i] = cat;
        }
        if resolved {
            let kept: Vec<usize> = live
                .iter()
                .copied()
                .filter(|&ci| {
                    (0..nargs).all(|i| {
                        let Some((sc, sp)) = slot[i] else {
                            return true;
                        };
                        let t = &cands[ci][i];
                        t.category() == sc && (!sp || t.is_preferred())
                    })
                })
                .collect();
            if kept.len() == 1 {
                return Ok(kept[0]);
            }
            if !kept.is_empty() {
                live = kept;
            }
        }
    }
    // Last gasp: if all known inputs share a type, assume the unknowns have it too.
    if nunknowns < nargs {
        let mut known: Option<&DataType> = None;
        let mut same = true;
        for a in &args {
            if *a == unknown {
                continue;
            }
            match known {
                None => known = Some(a),
                Some(k) if k != a => same = false,
                _ => {}
            }
        }
        if same && let Some(k) = known {
            let fits: Vec<usize> = live
                .iter()
                .copied()
                .filter(|&ci| cands[ci].iter().all(|t| implicit_ok(k, t)))
                .collect();
            if fits.len() == 1 {
                return Ok(fits[0]);
            }
        }
    }
    Err(CandidateError::Ambiguous)
}

fn no_operator(op: &str, left: Option<&DataType>, right: &DataType) -> SqlError {
    let sig = match left {
        Some(l) => format!("{} {op} {}", l.without_typmod(), right.without_typmod()),
        None => format!("{op} {}", right.without_typmod()),
    };
    SqlError::new(
        SqlState::UNDEFINED_FUNCTION,
        format!("operator does not exist: {sig}"),
    )
    .with_hint(
        "No operator matches the given name and argument types. You might need to add explicit type casts.",
    )
}

fn ambiguous_operator(op: &str, left: Option<&DataType>, right: &DataType) -> SqlError {
    let sig = match left {
        Some(l) => format!("{} {op} {}", l.without_typmod(), right.without_typmod()),
        None => format!("{op} {}", right.without_typmod()),
    };
    SqlError::new(
        SqlState::AMBIGUOUS_FUNCTION,
        format!("operator is not unique: {sig}"),
    )
    .with_hint(
        "Could not choose a best candidate operator. You might need to add explicit type casts.",
    )
}

/// Resolves the array and concatenation operators, which are polymorphic in PostgreSQL.
fn resolve_polymorphic(op: BinaryOp, l: &DataType, r: &DataType) -> Option<SqlResult<OperatorSig>> {
    let unknown = DataType::Unknown;
    let sig = |left: DataType, right: DataType, result: DataType| {
        Some(Ok(OperatorSig {
            left,
            right,
            result,
        }))
    };
    let l_arr = matches!(l, DataType::Array(_));
    let r_arr = matches!(r, DataType::Array(_));
    if op.is_comparison() && (l_arr || r_arr) {
        // anyarray op anyarray: both sides must be the same array type.
        let t = match (l, r) {
            (a, b) if a == b => a.clone(),
            (a, b) if *b == unknown => a.clone(),
            (a, b) if *a == unknown => b.clone(),
            _ => return Some(Err(no_operator(op.symbol(), Some(l), r))),
        };
        return sig(t.clone(), t, DataType::Bool);
    }
    if op != BinaryOp::Concat {
        return None;
    }
    let elem_common = |a: &DataType, b: &DataType| -> Option<DataType> {
        common_type(&[a.clone(), b.clone()], "").ok()
    };
    match (l_arr, r_arr) {
        (true, true) => {
            let (DataType::Array(a), DataType::Array(b)) = (l, r) else {
                return None;
            };
            match elem_common(a, b) {
                Some(e) => {
                    let t = DataType::Array(Box::new(e));
                    sig(t.clone(), t.clone(), t)
                }
                None => Some(Err(no_operator("||", Some(l), r))),
            }
        }
        (true, false) => {
            let DataType::Array(a) = l else { return None };
            if *r == unknown {
                return sig(l.clone(), l.clone(), l.clone());
            }
            match elem_common(a, r) {
                Some(e) => {
                    let t = DataType::Array(Box::new(e.clone()));
                    sig(t.clone(), e, t)
                }
                None => Some(Err(no_operator("||", Some(l), r))),
            }
        }
        (false, true) => {
            let DataType::Array(b) = r else { return None };
            if *l == unknown {
                return sig(r.clone(), r.clone(), r.clone());
            }
            match elem_common(l, b) {
                Some(e) => {
                    let t = DataType::Array(Box::new(e.clone()));
                    sig(e, t.clone(), t)
                }
                None => Some(Err(no_operator("||", Some(l), r))),
            }
        }
        (false, false) => {
            let textish = |t: &DataType| t.is_string() || *t == unknown;
            if textish(l) && textish(r) {
                return sig(DataType::Text, DataType::Text, DataType::Text);
            }
            let is = |t: &DataType, want: &DataType| t == want || *t == unknown;
            if is(l, &DataType::Bytea) && is(r, &DataType::Bytea) {
                return sig(DataType::Bytea, DataType::Bytea, DataType::Bytea);
            }
            if is(l, &DataType::Jsonb) && is(r, &DataType::Jsonb) {
                return sig(DataType::Jsonb, DataType::Jsonb, DataType::Jsonb);
            }
            // anynonarray || text and text || anynonarray.
            if textish(r) {
                return sig(l.clone(), DataType::Text, DataType::Text);
            }
            if textish(l) {
                return sig(DataType::Text, r.clone(), DataType::Text);
            }
            Some(Err(no_operator("||", Some(l), r)))
        }
    }
}

/// PostgreSQL's binary operator resolution. The returned signature gives the types the binder
/// must cast each operand to (an unknown literal gets the type chosen for it).
pub fn resolve_binary(op: BinaryOp, left: &DataType, right: &DataType) -> SqlResult<OperatorSig> {
    let l = left.without_typmod();
    let r = right.without_typmod();
    if let Some(res) = resolve_polymorphic(op, &l, &r) {
        return res;
    }
    let cands = binary_candidates(op);
    // Exact match, treating one unknown side as the other side's type.
    let (el, er) = match (&l, &r) {
        (DataType::Unknown, DataType::Unknown) => (l.clone(), r.clone()),
        (DataType::Unknown, other) => (other.clone(), other.clone()),
        (other, DataType::Unknown) => (other.clone(), other.clone()),
        _ => (l.clone(), r.clone()),
    };
    if let Some((a, b, res)) = cands.iter().find(|(a, b, _)| *a == el && *b == er) {
        return Ok(OperatorSig {
            left: a.clone(),
            right: b.clone(),
            result: res.clone(),
        });
    }
    let lists: Vec<Vec<DataType>> = cands
        .iter()
        .map(|(a, b, _)| vec![a.clone(), b.clone()])
        .collect();
    match select_function_candidate(&lists, &[l.clone(), r.clone()]) {
        Ok(i) => {
            let (a, b, res) = cands[i].clone();
            Ok(OperatorSig {
                left: a,
                right: b,
                result: res,
            })
        }
        Err(CandidateError::NotFound) => Err(no_operator(op.symbol(), Some(&l), &r)),
        Err(CandidateError::Ambiguous) => Err(ambiguous_operator(op.symbol(), Some(&l), &r)),
    }
}

/// Prefix operator resolution.
pub fn resolve_unary(op: UnaryOp, arg: &DataType) -> SqlResult<UnarySig> {
    let a = arg.without_typmod();
    let cands = unary_candidates(op);
    if let Some((t, res)) = cands.iter().find(|(t, _)| *t == a) {
        return Ok(UnarySig {
            arg: t.clone(),
            result: res.clone(),
        });
    }
    let lists: Vec<Vec<DataType>> = cands.iter().map(|(t, _)| vec![t.clone()]).collect();
    match select_function_candidate(&lists, std::slice::from_ref(&a)) {
        Ok(i) => Ok(UnarySig {
            arg: cands[i].0.clone(),
            result: cands[i].1.clone(),
        }),
        Err(CandidateError::NotFound) => Err(no_operator(op.symbol(), None, &a)),
        Err(CandidateError::Ambiguous) => Err(ambiguous_operator(op.symbol(), None, &a)),
    }
}

/// PostgreSQL's `select_common_type`: the type UNION/CASE/COALESCE/VALUES/IN resolve their
/// inputs to. `context` names the construct for the error (`UNION`, `CASE`, ...). All-unknown
/// inputs resolve to text. A modifier is kept only when every input has the same one.
pub fn common_type(types: &[DataType], context: &str) -> SqlResult<DataType> {
    let unknown = DataType::Unknown;
    let Some(first) = types.first() else {
        return Ok(DataType::Text);
    };
    if *first != unknown && types.iter().all(|t| t == first) {
        return Ok(first.clone());
    }
    let mut ptype = first.without_typmod();
    let mut pcat = ptype.category();
    let mut ppref = ptype.is_preferred();
    for t in &types[1..] {
        let n = t.without_typmod();
        if n == unknown || n == ptype {
            continue;
        }
        if ptype == unknown {
            ptype = n.clone();
            pcat = n.category();
            ppref = n.is_preferred();
        } else if n.category() != pcat {
            return Err(SqlError::new(
                SqlState::DATATYPE_MISMATCH,
                format!("{context} types {ptype} and {n} cannot be matched"),
            ));
        } else if !ppref
            && can_coerce(&ptype, &n, CastContext::Implicit)
            && !can_coerce(&n, &ptype, CastContext::Implicit)
        {
            ptype = n.clone();
            pcat = n.category();
            ppref = n.is_preferred();
        }
    }
    if ptype == unknown {
        return Ok(DataType::Text);
    }
    // Keep a shared modifier (varchar(10) UNION varchar(10) stays varchar(10)).
    let mut with_mod: Option<&DataType> = None;
    for t in types {
        if t.without_typmod() != ptype {
            return Ok(ptype);
        }
        match with_mod {
            None => with_mod = Some(t),
            Some(m) if m != t => return Ok(ptype),
            _ => {}
        }
    }
    Ok(with_mod.cloned().unwrap_or(ptype))
}
