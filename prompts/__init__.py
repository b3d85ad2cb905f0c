"""The versioned prompt files, installed into the wheel as ``extractor.prompt_files``."""
