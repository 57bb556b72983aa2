<?xml version="1.0" encoding="UTF-8"?>
<!-- Shows an Atom or RSS feed opened in a browser as a readable page (rendered by plugins.site_feeds). -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    xmlns:thr="http://purl.org/syndication/thread/1.0"
    xmlns:slash="http://purl.org/rss/1.0/modules/slash/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    exclude-result-prefixes="atom thr slash dc">
    <xsl:output method="html" encoding="UTF-8" indent="yes" doctype-system="about:legacy-compat"/>

    <xsl:template match="/">
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <title><xsl:value-of select="atom:feed/atom:title | rss/channel/title"/> (feed)</title>
                <link rel="stylesheet" href="{{ css_href }}"/>
            </head>
            <body>
                <main id="main" class="feed-preview">
                    <p class="feed-notice">This is a <strong>feed</strong>: copy this page's address into a feed reader to follow it.
                        Below is what it holds now.</p>
                    <xsl:apply-templates select="atom:feed | rss/channel"/>
                </main>
            </body>
        </html>
    </xsl:template>

    <xsl:template match="atom:feed">
        <h1 class="feed-title"><xsl:value-of select="atom:title"/></h1>
        <xsl:if test="atom:subtitle"><p class="feed-subtitle"><xsl:value-of select="atom:subtitle"/></p></xsl:if>
        <p><a class="feed-home" href="{atom:link[@rel='alternate']/@href}">Visit the site</a></p>
        <ol class="feed-entries">
            <xsl:for-each select="atom:entry">
                <li class="feed-entry">
                    <a class="feed-entry-title" href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a>
                    <xsl:text> </xsl:text>
                    <time class="feed-entry-date" datetime="{atom:published}"><xsl:value-of select="substring(atom:published, 1, 10)"/></time>
                    <xsl:if test="atom:author/atom:name">
                        <span class="feed-entry-author"> by <xsl:value-of select="atom:author/atom:name"/></span>
                    </xsl:if>
                    <xsl:if test="thr:total">
                        <span class="feed-entry-replies"> (<xsl:value-of select="thr:total"/> perspectives)</span>
                    </xsl:if>
                </li>
            </xsl:for-each>
        </ol>
    </xsl:template>

    <xsl:template match="channel">
        <h1 class="feed-title"><xsl:value-of select="title"/></h1>
        <p class="feed-subtitle"><xsl:value-of select="description"/></p>
        <p><a class="feed-home" href="{link}">Visit the site</a></p>
        <ol class="feed-entries">
            <xsl:for-each select="item">
                <li class="feed-entry">
                    <a class="feed-entry-title" href="{link}"><xsl:value-of select="title"/></a>
                    <xsl:text> </xsl:text>
                    <span class="feed-entry-date"><xsl:value-of select="pubDate"/></span>
                    <xsl:if test="dc:creator">
                        <span class="feed-entry-author"> by <xsl:value-of select="dc:creator"/></span>
                    </xsl:if>
                    <xsl:if test="slash:comments">
                        <span class="feed-entry-replies"> (<xsl:value-of select="slash:comments"/> perspectives)</span>
                    </xsl:if>
                </li>
            </xsl:for-each>
        </ol>
    </xsl:template>
</xsl:stylesheet>
