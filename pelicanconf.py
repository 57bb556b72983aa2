"""Development settings for the Colloquy sample site (``make html``)."""

AUTHOR = "Mara Quill"
SITENAME = "Colloquy"
SITESUBTITLE = "Essays, and the conversations around them"
SITEURL = ""
PATH = "content"
TIMEZONE = "America/New_York"
DEFAULT_LANG = "en"
DEFAULT_DATE_FORMAT = "%B %-d, %Y"

THEME = "theme"
PLUGIN_PATHS = ["."]
PLUGINS = [
    "plugins.outputguard",  # every written path stays inside OUTPUT_PATH
    "plugins.build_report",  # a build that skipped content exits non-zero
    "plugins.posts",
    "plugins.theme_support",
    "plugins.transcripts",
    "plugins.reblog",
    "plugins.perspectives",
    "plugins.intake",
    "plugins.site_feeds",  # keep after plugins that attach data to posts
    "plugins.performance",  # last: fixes post URLs after the others' finalizers
]

# Only posts/ holds articles; transcripts/ and perspectives/ belong to their plugins.
ARTICLE_PATHS = ["posts"]
PAGE_PATHS = ["pages"]
STATIC_PATHS = ["images"]
# The slug comes from the file name, so a new title never moves a published post.
FILENAME_METADATA = r"(?P<date>\d{4}-\d{2}-\d{2})-(?P<slug>.+)"

# TypePad-style permalinks: /2024/05/slug/
ARTICLE_URL = "{date:%Y}/{date:%m}/{slug}/"
ARTICLE_SAVE_AS = "{date:%Y}/{date:%m}/{slug}/index.html"
DRAFT_URL = "drafts/{slug}/"
DRAFT_SAVE_AS = "drafts/{slug}/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
CATEGORY_URL = "category/{slug}/"
CATEGORY_SAVE_AS = "category/{slug}/index.html"
TAG_URL = "tag/{slug}/"
TAG_SAVE_AS = "tag/{slug}/index.html"
AUTHOR_URL = "author/{slug}/"
AUTHOR_SAVE_AS = "author/{slug}/index.html"
CATEGORIES_URL = "categories/"
CATEGORIES_SAVE_AS = "categories/index.html"
TAGS_URL = "tags/"
TAGS_SAVE_AS = "tags/index.html"
AUTHORS_URL = "authors/"
AUTHORS_SAVE_AS = "authors/index.html"
ARCHIVES_URL = "archives/"
ARCHIVES_SAVE_AS = "archives/index.html"
YEAR_ARCHIVE_URL = "{date:%Y}/"
YEAR_ARCHIVE_SAVE_AS = "{date:%Y}/index.html"
MONTH_ARCHIVE_URL = "{date:%Y}/{date:%m}/"
MONTH_ARCHIVE_SAVE_AS = "{date:%Y}/{date:%m}/index.html"
DAY_ARCHIVE_SAVE_AS = ""
# A post or page in another language (Lang: fr) keeps the same permalink shape, one
# folder down; Pelican's default is {slug}-{lang}.html at the site root.
ARTICLE_LANG_URL = "{date:%Y}/{date:%m}/{slug}/{lang}/"
ARTICLE_LANG_SAVE_AS = "{date:%Y}/{date:%m}/{slug}/{lang}/index.html"
DRAFT_LANG_URL = "drafts/{slug}/{lang}/"
DRAFT_LANG_SAVE_AS = "drafts/{slug}/{lang}/index.html"
PAGE_LANG_URL = "{slug}/{lang}/"
PAGE_LANG_SAVE_AS = "{slug}/{lang}/index.html"
DIRECT_TEMPLATES = ["index", "tags", "categories", "authors", "archives", "404"]
INDEX_URL = ""  # the home page is the site's root, never /index.html as well

DEFAULT_PAGINATION = 10
PAGINATED_TEMPLATES = {"index": None, "tag": None, "category": None, "author": None}
PAGINATION_PATTERNS = (
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html"),
)

# Feeds are written by plugins.site_feeds with feedgen; Pelican's own writer is off.
FEED_DOMAIN = None
FEED_ATOM = None
FEED_RSS = None
FEED_ALL_ATOM = None
FEED_ALL_RSS = None
CATEGORY_FEED_ATOM = None
CATEGORY_FEED_RSS = None
TAG_FEED_ATOM = None
TAG_FEED_RSS = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
TRANSLATION_FEED_RSS = None

MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.codehilite": {"css_class": "highlight"},
        "markdown.extensions.extra": {},
        "markdown.extensions.meta": {},
        "markdown.extensions.toc": {},
    },
    "output_format": "html5",
}

# Theme: links shown in the site header.
MENUITEMS = [
    ("Archives", "archives/"),
    ("Transcripts", "transcripts/"),
    ("About", "about/"),
]
DISPLAY_PAGES_ON_MENU = False
DISPLAY_CATEGORIES_ON_MENU = False

# Autoescape (security, ARCHITECTURE "Safety boundary"): every {{ value }} in the
# theme is HTML-escaped unless it is markupsafe.Markup (the sanitiser's output) or a
# commented |safe on the author's own HTML. Pelican's defaults otherwise.
JINJA_ENVIRONMENT = {
    "trim_blocks": True,
    "lstrip_blocks": True,
    "extensions": [],
    "autoescape": True,
}

# Theme (plugins.theme_support): footer line, colour overrides; README "Theme".
THEME_FOOTER_TEXT = ""
THEME_MINIFY_CSS = True  # output/theme/css/*.css without comments and spare spaces
THEME_COLORS: dict[str, str] = {}
THEME_DARK_COLORS: dict[str, str] = {}
# Readers' perspectives (plugins.perspectives; the README lists every setting).
PERSPECTIVES_PATH = "perspectives"
PERSPECTIVES_ORDER = "oldest-first"
PERSPECTIVES_MAX_DEPTH = 3
PERSPECTIVES_CLOSE_AFTER_DAYS = None
PERSPECTIVES_INTAKE_URL = ""
PERSPECTIVES_EMAIL = "perspectives@colloquy.example"

RELATIVE_URLS = False
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False

# Transcripts (plugins.transcripts): content/transcripts/*.chat as pages.
TRANSCRIPTS_PATH = "transcripts"
TRANSCRIPTS_URL = "transcripts/{slug}/"
TRANSCRIPTS_INDEX_URL = "transcripts/"
TRANSCRIPTS_PAGE_SIZE = 1000
TRANSCRIPTS_QUOTE_LINKS = True  # chat messages linking to a post become its quotes

# Feeds (plugins.site_feeds): every feed is written with feedgen. Feeds need absolute
# links: an absolute SITEURL (publishconf.py) is used, else FEEDS_SITEURL.
FEEDS_SITEURL = "http://127.0.0.1:8000"
FEEDS_ID_AUTHORITY = "colloquy.example.org"  # the domain in entry ids: never change it

# plugins.reblog: reblog pages, share links, earlier URLs (README "Permalinks")
REBLOG_SHARE_TARGETS = [
    "email",
    "mastodon",
    "bluesky",
    "hackernews",
    "reddit",
    "linkedin",
]
REBLOG_MASTODON_INSTANCES = ["mastodon.social"]
REBLOG_REDIRECT_MAPS = ["nginx", "netlify"]
REBLOG_DEV_SITEURL = "http://127.0.0.1:8000"

# Intake (plugins.intake): where the build writes the list of posts open for
# discussion, which `colloquy intake serve --manifest` reads.
INTAKE_MANIFEST_SAVE_AS = "intake/manifest.json"

# Incremental builds (plugins.performance, README "Performance"): a rebuild writes
# only output files whose bytes change. It copies the theme's static files itself
# (Pelican's copy rewrites them every build), and static content is copied only
# when newer than the output's copy.
THEME_STATIC_PATHS = []
PERFORMANCE_THEME_STATIC_PATHS = ["static"]
STATIC_CHECK_IF_MODIFIED = True
# Reuse each unchanged post's Markdown conversion (cache/ next to this file; cleared
# by any change to settings, plugins or Pelican/Markdown/Pygments versions).
PERFORMANCE_READER_CACHE = True
PERFORMANCE_SKIP_UNCHANGED = True  # make only the pages whose inputs changed
# A forked worker parses perspectives and converts posts while the build reads
# (None: when this machine has two cores or more; 1: never).
PERFORMANCE_WORKERS = None
