#!/usr/bin/env bash
# Rebuild sample-site/ (its content/ and its .press/ store) from nothing, with real
# press commands: every version, publish, revert and archive in the committed
# store was made by this script. Run it from anywhere:
#
#     sample-site/make-history.sh            # uses `press` on PATH
#     PRESS=.venv/bin/press sample-site/make-history.sh
#
# It keeps models/, templates/, build.py and pressroom.yaml; it replaces content/
# and .press/. Afterwards: 22 records, each status present (draft, published,
# updated, archived), several versions per record, reverts in the history.
set -euo pipefail
cd "$(dirname "$0")"
PRESS=${PRESS:-press}
if [[ "$PRESS" == */* ]]; then PRESS=$(cd "$OLDPWD" && cd "$(dirname "$PRESS")" && pwd)/$(basename "$PRESS"); fi
command -v "$PRESS" > /dev/null || { echo "no press command: install pressroom, or set PRESS=path/to/press" >&2; exit 2; }

# Two editors act on the site; their names go into every version and event.
LIN="Lin Okafor <lin@example.org>"
SAM="Sam Reyes <sam@example.org>"
press() { command "$PRESS" -C . "$@"; }
as_lin() { press "$@" --author "$LIN"; }
as_sam() { press "$@" --author "$SAM"; }
put() {  # put model/id  < YAML on stdin: write the working file
    mkdir -p "content/${1%/*}"
    cat > "content/$1.yaml"
}

rm -rf .press content _site
press init . > /dev/null

# --- authors and tags ---------------------------------------------------------
put author/ada <<'YAML'
# An author of the sample site
name: Ada Lovelace
bio: Wrote the first published algorithm.
YAML
put author/grace <<'YAML'
name: Grace Hopper
bio: Made computers speak English-like languages.
YAML
put author/alan <<'YAML'
name: Alan Turing
bio: Asked what it means for a machine to compute.
YAML
put author/margaret <<'YAML'
name: Margaret Hamilton
bio: Led the team that wrote the Apollo on-board flight software.
YAML
for t in history:History languages:Languages hardware:Hardware theory:Theory codebreaking:Codebreaking; do
    printf 'name: %s\n' "${t#*:}" | put "tag/${t%%:*}"
done
as_lin save --model author -m "authors of the first posts"
as_lin save --model tag -m "the first tags"

# --- Ada ------------------------------------------------------------------------
put post/first-program <<'YAML'
title: The first program
date: 1843-09-01
author: ada
tags: [history]
body: |
  In 1843 Ada Lovelace published notes on the Analytical Engine.
YAML
as_lin save post/first-program -m "first draft"
cat >> content/post/first-program.yaml <<'YAML'

  Note G of her translation lays out, step by step, how the engine would
  compute Bernoulli numbers: a program, a century before there was a machine
  to run it.
YAML
as_lin save post/first-program -m "explain Note G"
as_lin save post/first-program --set 'summary=A table of operations for Bernoulli numbers, written for a machine that was never built.' -m "add a summary"
as_sam publish post/first-program --cascade -m "first post goes live"

put post/analytical-engine <<'YAML'
title: An engine that was never finished
date: 1837-12-26
author: ada
tags: [hardware, history]
summary: Babbage's design had a store and a mill, what we would call memory and a processor.
body: |
  Charles Babbage described the Analytical Engine in 1837. It was to be
  programmed with punched cards, borrowed from the Jacquard loom.

  The store held numbers; the mill worked on them. Only parts of it were
  ever built.
YAML
as_lin save post/analytical-engine -m "draft"
as_sam publish post/analytical-engine --cascade -m "publish with its tags"
as_lin save author/ada --set 'bio=Wrote the first published algorithm, for a machine that existed only on paper.' -m "longer bio"
as_sam publish author/ada -m "new bio"

put post/note-g <<'YAML'
title: Note G, line by line
date: 1843-09-02
author: ada
tags: [history]
summary: "Work in progress: a walk through each operation of the table."
body: |
  Work in progress: this post will go through the 25 operations of Note G
  one at a time, with the variables the engine would hold after each.
YAML
as_lin save post/note-g -m "start a long post"

# --- Grace ----------------------------------------------------------------------
put post/compilers <<'YAML'
title: Why we have compilers
date: 1952-05-01
author: grace
tags: [languages, history]
summary: Programs that write programs, and the people who doubted them.
body: |
  Grace Hopper's A-0 system translated symbolic code into machine code.
YAML
as_sam save post/compilers -m "draft"
as_sam publish post/compilers --cascade -m "publish"
cat >> content/post/compilers.yaml <<'YAML'

  Not yet published: a section on the A-2 system and the users who sent
  their improvements back, an early kind of open source.
YAML
as_sam save post/compilers -m "start the A-2 section"

put post/cobol <<'YAML'
title: COBOL at sixty
date: 1959-05-28
author: grace
tags: [languages]
summary: A language for business data, designed by a committee in a few months.
body: |
  COBOL was specified in 1959 by the CODASYL committee, drawing on Hopper's
  FLOW-MATIC. Much of it still runs.
YAML
as_lin save post/cobol -m "draft"
as_lin publish post/cobol -m "publish"
as_lin save post/cobol --set 'title=COBOL at sixty (and counting)' -m "catchier title"
as_sam revert post/cobol --to published -m "keep the plain title"

put post/first-bug <<'YAML'
title: The first actual bug
date: 1947-09-09
author: grace
tags: [hardware, history]
summary: A moth in relay 70 of the Mark II, taped into the log book.
body: |
  On 9 September 1947 the operators of the Harvard Mark II found a moth
  in a relay and taped it into the log: "First actual case of bug being found."
YAML
as_lin save post/first-bug -m "draft"
as_lin publish post/first-bug -m "publish"
as_lin save post/first-bug --set 'summary=The moth that gave us the word bug.' -m "shorter summary"
as_lin publish post/first-bug -m "publish the shorter summary"
as_lin save post/first-bug --set 'summary=The moth that gave us the word bug (though engineers said bug long before).' -m "qualify"
as_sam revert post/first-bug --to '~2' -m "back to the first summary: the qualification needs a source"
as_sam publish post/first-bug -m "publish the revert"

put post/flow-matic <<'YAML'
title: FLOW-MATIC, English for machines
date: 1955-01-01
author: grace
tags: [languages]
summary: The first language to use English words for its commands.
body: |
  FLOW-MATIC let a programmer write INPUT and COMPARE instead of codes.
YAML
as_lin save post/flow-matic -m "draft"
as_lin publish post/flow-matic -m "publish"
cat >> content/post/flow-matic.yaml <<'YAML'

  Not yet published: how management was persuaded that English statements
  were worth the extra memory.
YAML
as_lin save post/flow-matic -m "add a paragraph (in review)"

# --- Alan -----------------------------------------------------------------------
put post/turing-machine <<'YAML'
title: A machine made of paper
date: 1936-11-12
author: alan
tags: [theory]
summary: A tape, a head and a table of rules are enough to compute anything computable.
body: |
  In "On Computable Numbers" Turing described a machine with an endless tape
  and a table of rules, and argued that it captures every mechanical method.
YAML
as_sam save post/turing-machine -m "draft"
as_sam publish post/turing-machine --cascade -m "publish"

put post/halting-problem <<'YAML'
title: Some questions have no program
date: 1936-11-13
author: alan
tags: [theory]
body: |
  No program can decide, for every program and input, whether it stops.
YAML
as_sam save post/halting-problem -m "draft"
as_sam save post/halting-problem --set 'summary=Why no program can decide whether every other program stops.' -m "summary"
as_sam publish post/halting-problem -m "publish"

put post/enigma <<'YAML'
title: Reading Enigma
date: 1940-03-18
author: alan
tags: [codebreaking, history]
summary: Hut 8 and the naval Enigma.
body: |
  The archived post on naval Enigma, withdrawn while it is rewritten.
YAML
put post/bombe <<'YAML'
title: The Bombe
date: 1940-03-18
author: alan
tags: [codebreaking, hardware]
summary: An electromechanical machine that searched for Enigma settings.
body: |
  The archived post on the Bombe, withdrawn with the Enigma post.
YAML
as_sam save post/enigma post/bombe -m "two posts on codebreaking"
as_sam publish post/enigma post/bombe --cascade -m "publish the codebreaking posts"

put post/ace <<'YAML'
title: The Automatic Computing Engine
date: 1946-02-19
author: alan
tags: [hardware]
summary: A stored-program design that was withdrawn for corrections.
body: |
  Withdrawn for corrections: the dates of the Pilot ACE need checking.
YAML
as_sam save post/ace -m "draft"
as_sam publish post/ace -m "publish"
as_lin unpublish post/ace -m "dates are wrong; back to draft"
as_lin archive post/enigma post/bombe tag/codebreaking -m "withdraw the codebreaking series for a rewrite"
as_lin save author/alan --set 'bio=Asked what it means for a machine to compute. Not yet published, his work on morphogenesis.' -m "extend bio (in review)"

# --- Margaret ---------------------------------------------------------------
put post/apollo <<'YAML'
title: Software that landed on the Moon
date: 1969-07-20
author: margaret
tags: [hardware]
summary: "Work in progress: the priority scheduler and the 1202 alarms."
body: |
  Work in progress: how the Apollo Guidance Computer shed low-priority jobs
  during the landing, and why that saved it.
YAML
as_lin save post/apollo -m "start the Apollo post"

press status
