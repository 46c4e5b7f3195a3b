import pytest
from assistant.loading import load_text

pytestmark = pytest.mark.unit

PAGE = """<!doctype html><html><head>
<title>Site | Headline</title>
<meta property="og:title" content="Council approves budget">
<meta name="author" content="Maria Lopez">
<meta property="article:published_time" content="2024-03-05T09:30:00Z">
<meta property="og:site_name" content="City Herald">
<link rel="canonical" href="https://herald.example/budget">
<script>var tracking = "do not index me";</script>
<style>.x { color: red }</style>
</head><body>
<nav><a href="/">Home</a> <a href="/sports">Sports</a></nav>
<header class="site-header">Subscribe now!</header>
<article>
  <h1>Council approves budget</h1>
  <p>The council approved a $4.2 million budget on Tuesday.</p>
  <div class="share-buttons">Share on Facebook</div>
  <p>Mayor Ana Ruiz said work would start in May.</p>
  <!-- a comment the model must never see -->
</article>
<aside>Related: other story</aside>
<footer>Copyright 2024</footer>
</body></html>"""


def test_main_text_and_meta_tags() -> None:
    article = load_text(PAGE, "page.html").articles[0]
    assert article.title == "Council approves budget"
    assert article.author == "Maria Lopez"
    assert article.source == "City Herald"
    assert article.url == "https://herald.example/budget"
    assert article.published_at.isoformat() == "2024-03-05T09:30:00+00:00"
    assert article.body == (
        "The council approved a $4.2 million budget on Tuesday.\n\nMayor Ana Ruiz said work would start in May."
    )
    for junk in ("tracking", "color", "Home", "Subscribe", "Share on", "Related", "Copyright", "comment"):
        assert junk not in article.body


def test_json_ld_metadata() -> None:
    page = """<html><head><script type="application/ld+json">
    {"@context": "https://schema.org", "@graph": [{"@type": "WebSite", "name": "X"},
     {"@type": "NewsArticle", "headline": "Rover lands", "datePublished": "2024-01-02",
      "author": [{"@type": "Person", "name": "Kim Park"}], "publisher": {"@type": "Organization", "name": "Space Daily"},
      "url": "https://space.example/rover"}]}
    </script></head><body><main><p>The rover landed safely near the crater rim.</p></main></body></html>"""
    article = load_text(page, "rover.htm").articles[0]
    assert (article.title, article.author, article.source) == ("Rover lands", "Kim Park", "Space Daily")
    assert article.url == "https://space.example/rover"
    assert article.published_at.date().isoformat() == "2024-01-02"


def test_html_with_only_scripts_is_an_error() -> None:
    result = load_text("<html><head><script>alert(1)</script><style>p{}</style></head><body></body></html>", "s.html")
    assert not result.articles
    assert result.errors[0].path == "s.html"
    assert "no article text" in result.errors[0].error
