//! Operators: the catalog of builtin operators (like `pg_operator`), PostgreSQL's operator and
//! function overload resolution (`resolve`), `select_common_type` for UNION/CASE/COALESCE,
//! and evaluation with PostgreSQL's semantics (`eval`, `like`).

mod catalog;
pub mod eval;
pub mod like;
pub mod resolve;

pub use eval::{eval_binary, eval_unary};
pub use resolve::{
    CandidateError, common_type, resolve_binary, resolve_unary, select_function_candidate,
};

use crate::datatype::DataType;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    /// `||`
    Concat,
    /// `&`
    BitAnd,
    /// `|`
    BitOr,
    /// `#`
    BitXor,
    /// `<<`
    ShiftLeft,
    /// `>>`
    ShiftRight,
    /// `LIKE` (`~~`)
    Like,
    /// `NOT LIKE` (`!~~`)
    NotLike,
    /// `ILIKE` (`~~*`)
    ILike,
    /// `NOT ILIKE` (`!~~*`)
    NotILike,
}

impl BinaryOp {
    /// The operator's name in `pg_operator` (as error messages print it).
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
            BinaryOp::Pow => "^",
            BinaryOp::Eq => "=",
            BinaryOp::NotEq => "<>",
            BinaryOp::Lt => "<",
            BinaryOp::LtEq => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::GtEq => ">=",
            BinaryOp::Concat => "||",
            BinaryOp::BitAnd => "&",
            BinaryOp::BitOr => "|",
            BinaryOp::BitXor => "#",
            BinaryOp::ShiftLeft => "<<",
            BinaryOp::ShiftRight => ">>",
            BinaryOp::Like => "~~",
            BinaryOp::NotLike => "!~~",
            BinaryOp::ILike => "~~*",
            BinaryOp::NotILike => "!~~*",
        }
    }

    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Eq
                | BinaryOp::NotEq
                | BinaryOp::Lt
                | BinaryOp::LtEq
                | BinaryOp::Gt
                | BinaryOp::GtEq
        )
    }

    /// The operator with its operands swapped (`a < b` is `b > a`), for comparisons.
    pub fn commute(self) -> Option<BinaryOp> {
        Some(match self {
            BinaryOp::Eq => BinaryOp::Eq,
            BinaryOp::NotEq => BinaryOp::NotEq,
            BinaryOp::Lt => BinaryOp::Gt,
            BinaryOp::LtEq => BinaryOp::GtEq,
            BinaryOp::Gt => BinaryOp::Lt,
            BinaryOp::GtEq => BinaryOp::LtEq,
            BinaryOp::Add | BinaryOp::Mul => self,
            _ => return None,
        })
    }

    /// The negated comparison (`NOT (a < b)` is `a >= b` for non-NULL operands).
    pub fn negate(self) -> Option<BinaryOp> {
        Some(match self {
            BinaryOp::Eq => BinaryOp::NotEq,
            BinaryOp::NotEq => BinaryOp::Eq,
            BinaryOp::Lt => BinaryOp::GtEq,
            BinaryOp::LtEq => BinaryOp::Gt,
            BinaryOp::Gt => BinaryOp::LtEq,
            BinaryOp::GtEq => BinaryOp::Lt,
            BinaryOp::Like => BinaryOp::NotLike,
            BinaryOp::NotLike => BinaryOp::Like,
            BinaryOp::ILike => BinaryOp::NotILike,
            BinaryOp::NotILike => BinaryOp::ILike,
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `-x`
    Neg,
    /// `+x`
    Plus,
    /// `NOT x`
    Not,
    /// `~x` (bitwise not)
    BitNot,
    /// `@x` (absolute value)
    Abs,
}

impl UnaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            UnaryOp::Neg => "-",
            UnaryOp::Plus => "+",
            UnaryOp::Not => "NOT",
            UnaryOp::BitNot => "~",
            UnaryOp::Abs => "@",
        }
    }
}

/// A resolved binary operator: the types the operands must be cast to and the result type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OperatorSig {
    pub left: DataType,
    pub right: DataType,
    pub result: DataType,
}

/// A resolved prefix operator.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UnarySig {
    pub arg: DataType,
    pub result: DataType,
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
