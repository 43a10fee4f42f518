"""The Rich views: the only place (with cli/) that imports Rich."""
