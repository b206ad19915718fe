"""The visitation conversation: a screen of five steps, each step a widget in its own module."""

from jobbutik.tui.conversation.screen import ConversationScreen

__all__ = ["ConversationScreen"]
