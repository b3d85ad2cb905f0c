from extractor.scoring.api import *  # noqa: F403 (moved as is; the API is listed in the next commit)
