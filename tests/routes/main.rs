//! Routes as the unit of policy: every route authenticated or declared
//! public, role and scope guards answered before the handler (and before
//! its body is read), and what `Routes` records for the audit. Over real
//! HTTP on loopback through the real `Authentication` layer.

mod facts;
mod http;
mod secure_stack;
