"""Typed SQLAlchemy models, one module per area."""
from .analytics import AnalyticsState, DailyDownloads, DownloadHit, ListenerDownload, ListenerSalt
from .authors import Author
from .books import Book, BookContributor, ContributorRole
from .common import Status, utcnow
from .feeds import FeedCache, FeedHealth
from .jobs import JobRecord, JobState
from .media import MediaFile
from .pages import PageCacheState
from .posts import Post, Tag
from .security import LoginFailure
from .site import SiteSettings
from .shows import Episode, EpisodeType, Show, ShowAuthor, ShowType
from .users import User
from .videos import Video

__all__ = [
    "AnalyticsState", "Author", "Book", "BookContributor", "ContributorRole", "DailyDownloads", "DownloadHit",
    "Episode", "EpisodeType", "FeedCache", "FeedHealth", "JobRecord", "JobState", "ListenerDownload", "ListenerSalt",
    "LoginFailure", "MediaFile", "PageCacheState", "Post", "Show", "ShowAuthor", "ShowType", "SiteSettings",
    "Status", "Tag", "User", "Video", "utcnow",
]
