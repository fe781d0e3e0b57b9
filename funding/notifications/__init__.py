"""In-app notifications with an unread count, and the same news by email."""
