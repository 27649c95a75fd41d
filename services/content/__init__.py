"""content: microblog and timelines, forums, notices, chat, polls, notifications and search."""
