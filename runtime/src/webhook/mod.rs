//! Webhooks: signed sending, verified receiving, replay protection.
