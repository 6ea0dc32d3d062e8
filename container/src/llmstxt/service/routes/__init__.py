"""One router per resource: health, auth, jobs, sites, hosted files, the WebSocket, cron."""
