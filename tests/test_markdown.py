"""The Markdown body conventions (../shared/notes/record-format.md, "Body conventions"), one test per rule."""

from __future__ import annotations

from lxml import etree

from herts_scraper.extract.markdown import collect_images, element_to_markdown, html_to_markdown

BASE = "https://www.herts.police.uk/news/hertfordshire/news/2024/august-2024/a-story/"


def md(html: str) -> str:
    return html_to_markdown(html, BASE)


def test_rule1_blocks_joined_by_blank_line_stripped_with_one_newline():
    assert md("<p>One.</p><p>Two.</p>") == "One.\n\nTwo.\n"
    # A body opening with a list loses the first item's leading space only.
    assert md("<ul><li>a</li><li>b</li></ul><p>After.</p>") == "* a\n * b\n\nAfter.\n"
    assert md("<p>  </p>") == ""


def test_rule2_whitespace_collapses_and_br_gives_newline():
    assert md("<p>  A\tlot \n\n of\xa0\xa0 space  </p>") == "A lot of space\n"
    assert md("<p>first line <br> second line<br/>third</p>") == "first line\nsecond line\nthird\n"
    assert md("<p><br>lead and trail<br></p>") == "lead and trail\n"


def test_rule3_paragraphs_and_bare_text_divs():
    assert md("<div>Bare text in a div.</div><p>A paragraph.</p>") == "Bare text in a div.\n\nA paragraph.\n"
    # Text around a nested block is its own paragraph on each side.
    assert md("<div>before<p>inside</p>after</div>") == "before\n\ninside\n\nafter\n"


def test_rule4_emphasis_markers_edges_empty_and_nesting():
    assert md("<p><strong>Bold</strong> and <b>b</b>, <em>em</em> and <i>i</i></p>") == "**Bold** and **b**, _em_ and _i_\n"
    assert md("<p><strong>Hi </strong>there</p>") == "**Hi** there\n"
    assert md("<p>a<em> b </em>c</p>") == "a _b_ c\n"
    assert md("<p>x<strong> </strong>y<b></b>z</p>") == "x yz\n"
    assert md("<p><strong>outer <b>inner</b> end</strong></p>") == "**outer inner end**\n"
    assert md("<p><strong>bold <em>both</em></strong></p>") == "**bold _both_**\n"


def test_rule5_links():
    assert md('<p>See <a href="/advice/">our advice</a>.</p>') == "See our advice (https://www.herts.police.uk/advice/).\n"
    assert md('<p>Go to <a href="https://www.example.org/Report/">example.org/report</a></p>') == "Go to example.org/report\n"
    assert md('<p><a href="http://Example.org">WWW.EXAMPLE.ORG/</a></p>') == "WWW.EXAMPLE.ORG/\n"
    assert md('<p><a href="mailto:a@example.org">Email us</a> or <a href="tel:101">call 101</a></p>') == "Email us or call 101\n"
    assert md('<p>Before<a href="/x"><img src="/i.png"></a> after</p>') == "Before after\n"
    assert md('<p><a href="javascript:void(0)">Print</a></p>') == "Print\n"
    assert md('<p><a href="/x"><strong>Bold link </strong></a>next</p>') == "**Bold link** (https://www.herts.police.uk/x) next\n"
    # A rewrite maps a replica's addresses back to the real site.
    el = etree.fromstring('<div><a href="http://127.0.0.1:8000/a/">A</a></div>', etree.HTMLParser()).find(".//div")
    out = element_to_markdown(el, "http://127.0.0.1:8000/page/", rewrite=lambda u: u.replace("http://127.0.0.1:8000", "https://www.herts.police.uk"))
    assert out == "A (https://www.herts.police.uk/a/)\n"


def test_rule6_headings():
    assert md("<h2>Sub head</h2><h3> Three </h3><h6>Six</h6>") == "## Sub head\n\n### Three\n\n###### Six\n"
    assert md("<h4></h4><p>x</p>") == "x\n"


def test_rule7_unordered_lists_tight_and_loose():
    assert md("<p>Intro</p><ul><li>one</li><li>two <b>bold</b></li></ul>") == "Intro\n\n * one\n * two **bold**\n"
    assert md("<ul><li><h3>Summary one</h3></li><li><h3>Summary two</h3></li></ul>") == "* ### Summary one\n\n * ### Summary two\n"
    assert md("<ul><li><h2>Level two</h2></li></ul>") == "* ## Level two\n"
    # One item with a <p> makes the whole list loose.
    assert md("<p>x</p><ul><li>a</li><li><p>b</p></li></ul>") == "x\n\n * a\n\n * b\n"


def test_rule8_ordered_lists_honour_start():
    assert md("<p>x</p><ol><li>a</li><li>b</li></ol>") == "x\n\n 1. a\n 2. b\n"
    assert md('<p>x</p><ol start="4"><li>d</li><li>e</li></ol>') == "x\n\n 4. d\n 5. e\n"
    assert md('<p>x</p><ol start="bad"><li>a</li></ol>') == "x\n\n 1. a\n"


def test_rule9_nested_lists_indent_four_spaces_per_level():
    html = "<p>x</p><ul><li>a<ul><li>a1</li><li>a2<ol><li>deep</li></ol></li></ul></li><li>b</li></ul>"
    assert md(html) == "x\n\n * a\n     * a1\n     * a2\n         1. deep\n * b\n"


def test_rule10_blockquote():
    assert md("<blockquote><p>First.</p><p>Second<br>line.</p></blockquote>") == "> First.\n>\n> Second\n> line.\n"
    assert md("<p>He said:</p><blockquote>Plain quote</blockquote>") == "He said:\n\n> Plain quote\n"


def test_rule11_images_give_no_text_figcaption_is_a_paragraph():
    html = ('<p>Text</p><figure><picture><source srcset="/a.webp 1x, /a2.webp 2x"><img src="/a.jpg" alt="Alt text"></picture>'
            "<figcaption>The caption</figcaption></figure><p><img src='data:image/png;base64,xx'>End</p>")
    assert md(html) == "Text\n\nThe caption\n\nEnd\n"
    el = etree.fromstring(f"<div>{html}</div>", etree.HTMLParser()).find(".//div")
    assert collect_images(el, BASE) == [
        {"src": "https://www.herts.police.uk/a.webp", "alt": "Alt text", "caption": "The caption"},
        {"src": "https://www.herts.police.uk/a.jpg", "alt": "Alt text", "caption": "The caption"},
    ]


def test_rule12_tables_one_block_a_row_a_line():
    html = "<p>x</p><table><thead><tr><th>Name</th><th>Age</th></tr></thead><tbody><tr><td>A <b>B</b></td><td>30</td></tr><tr><td></td><td></td></tr></tbody></table>"
    assert md(html) == "x\n\nName | Age\nA **B** | 30\n"


def test_rule13_dropped_elements_and_empty_blocks():
    html = ("<p>Keep</p><hr><script>var x = 1;</script><style>p{}</style><noscript>No JS</noscript>"
            "<iframe src='/v'></iframe><form><label>Name</label><input></form><button>Click</button>"
            "<svg><text>icon</text></svg><div>  </div><p>Also kept</p>")
    assert md(html) == "Keep\n\nAlso kept\n"


def test_entities_decoded_quotes_and_accents_kept():
    # text that would read as a raw HTML tag is escaped (see conventions.escape_markdown)
    assert md("<p>&#163;50 &amp; &lt;more&gt; &ldquo;caf&eacute;&rdquo; – “x”</p>") == "£50 & \\<more> “café” – “x”\n"
