"""uSked iCalendar feeds: reading them into assignments (ical), Zoom links in them (links)."""
