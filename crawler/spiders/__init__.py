"""Spiders: one shared `SiteSpider` (spiders/base.py); per-site spiders are generated from sites.yaml."""
