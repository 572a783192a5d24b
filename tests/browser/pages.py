"""Every public page template, in each state a visitor can meet, with the seed."""

FOURTH = "2012-11-10-foreign-ministers-4"

#: (name, url name, args, query string)
PUBLIC_PAGES = [
    ("home", "dialogue:home", [], ""),
    ("participants", "dialogue:participant-list", [], ""),
    ("participant", "dialogue:participant-detail", ["jp"], ""),
    ("person", "dialogue:person-detail", ["koichiro-gemba"], ""),
    ("timeline", "dialogue:meeting-list", [], ""),
    ("timeline-by-kind", "dialogue:meeting-list", [], "?kind=intellectual_dialogue"),
    ("timeline-no-match", "dialogue:meeting-list", [], "?kind=summit"),
    ("timeline-bad-filter", "dialogue:meeting-list", [], "?kind=picnic"),
    ("meeting", "dialogue:meeting-detail", [FOURTH], ""),
    (
        "meeting-with-guest",
        "dialogue:meeting-detail",
        ["2006-06-05-foreign-ministers"],
        "",
    ),
    ("pledges", "dialogue:pledge-list", [], ""),
    ("documents", "dialogue:document-list", [], ""),
    ("document", "dialogue:document-detail", ["joint-statement-2004"], ""),
    ("sources", "dialogue:source-list", [], ""),
    ("source", "dialogue:source-detail", ["gazette-japan-700-million-2012"], ""),
    ("page", "dialogue:page-detail", ["about"], ""),
    ("search", "dialogue:search", [], ""),
    ("search-results", "dialogue:search", [], "?q=tokyo"),
    ("search-no-results", "dialogue:search", [], "?q=zzzz"),
    ("search-too-long", "dialogue:search", [], "?q=" + "x" * 101),
    ("open-data", "dialogue:open-data", [], ""),
    ("not-found", "dialogue:page-detail", ["no-such-page"], ""),
]
