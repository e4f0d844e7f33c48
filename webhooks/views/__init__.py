"""Webhook pages: a partner administrator's endpoints, HP staff's programme-wide ones."""
