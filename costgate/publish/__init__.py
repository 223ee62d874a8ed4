"""Publishing estimates to CI platforms: PR comments, statuses, job summaries, outputs.

``base`` holds the platform-independent comment logic (marker, ownership, update behaviours,
race clean-up); each platform module implements :class:`base.CommentPlatform`.
"""
