"""The core's pages: the portal home (``home``) and the user's notifications (``notifications``)."""
