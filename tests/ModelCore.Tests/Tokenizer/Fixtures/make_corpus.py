#!/usr/bin/env python3
"""Writes corpus.txt: deterministic English prose (plus a little Greek and Cyrillic) for
training small SentencePiece models in the tokenizer tests. Rerun: python3 make_corpus.py"""
import os
import random

rng = random.Random(20240611)

people = ["the engineer", "a tired clerk", "the old sailor", "my neighbour", "the young doctor",
          "a quiet student", "the baker", "our teacher", "the captain", "a stranger", "the farmer",
          "the mayor", "a small child", "the librarian", "the river pilot", "an honest judge"]
places = ["the harbour", "the market", "the library", "a narrow street", "the northern hills",
          "the station", "the old mill", "the village square", "the forest road", "the museum",
          "the lighthouse", "the garden", "the kitchen", "the workshop", "the bridge"]
verbs = ["walked to", "looked at", "remembered", "painted", "described", "visited", "repaired",
         "counted the boxes in", "wrote a letter about", "forgot", "cleaned", "measured",
         "photographed", "returned to", "listened to the rain in", "argued about"]
adjs = ["quiet", "bright", "cold", "crowded", "forgotten", "careful", "gentle", "heavy", "green",
        "patient", "strange", "silver", "broken", "familiar", "distant", "wooden", "sudden"]
nouns = ["morning", "evening", "winter", "question", "answer", "window", "lantern", "letter",
         "journey", "machine", "promise", "harvest", "storm", "library", "memory", "number",
         "problem", "signal", "document", "engine", "pattern", "tokenizer", "sentence"]
advs = ["slowly", "quickly", "quietly", "carefully", "again", "once more", "without a word",
        "before dawn", "after supper", "in silence", "with great care", "twice"]
links = ["However,", "Later,", "Meanwhile,", "Because of this,", "In the end,", "Still,",
         "Then", "Afterwards,", "For a while,", "Of course,", "Nevertheless,"]
greek = ["Καλημέρα σε όλους.", "Η θάλασσα είναι ήσυχη σήμερα.", "Ο δάσκαλος γράφει ένα γράμμα.",
         "Το βιβλίο είναι στο τραπέζι."]
cyrillic = ["Доброе утро, друзья.", "Старый мост стоит над рекой.", "Мы читаем книгу вечером.",
            "Сегодня холодно и тихо."]


def sentence():
    kind = rng.random()
    if kind < 0.45:
        s = f"{rng.choice(people).capitalize()} {rng.choice(verbs)} {rng.choice(places)} {rng.choice(advs)}."
    elif kind < 0.65:
        s = (f"{rng.choice(links)} {rng.choice(people)} said that the {rng.choice(adjs)} "
             f"{rng.choice(nouns)} was {rng.choice(adjs)}.")
    elif kind < 0.75:
        n = rng.randint(2, 9999)
        s = f"There were {n} {rng.choice(nouns)}s near {rng.choice(places)}, or so {rng.choice(people)} claimed."
    elif kind < 0.83:
        s = (f"\"Is the {rng.choice(nouns)} {rng.choice(adjs)}?\" asked {rng.choice(people)}; "
             f"\"it is {rng.choice(adjs)} (mostly).\"")
    elif kind < 0.90:
        s = (f"On {rng.randint(1, 28)}/{rng.randint(1, 12)}/{rng.randint(1900, 2024)} at "
             f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d} the {rng.choice(nouns)} cost "
             f"${rng.randint(1, 500)}.{rng.randint(0, 99):02d} - about {rng.randint(1, 99)}% more.")
    elif kind < 0.95:
        s = f"The {rng.choice(adjs)} {rng.choice(nouns)}, the {rng.choice(adjs)} {rng.choice(nouns)}: both were {rng.choice(adjs)}!"
    else:
        s = rng.choice(greek + cyrillic)
    return s


lines = []
size = 0
while size < 80_000:
    r = rng.random()
    if r < 0.08:
        line = ""  # paragraph break
    elif r < 0.14:
        # Indented, code-like lines give whitespace runs to models that keep them.
        line = " " * rng.choice([2, 4, 8]) + f"{rng.choice(nouns)}_{rng.randint(0, 99)} = {rng.randint(0, 100000)}  # {rng.choice(adjs)}"
    else:
        line = " ".join(sentence() for _ in range(rng.randint(1, 4)))
    lines.append(line)
    size += len(line.encode("utf-8")) + 1

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus.txt")
with open(out, "w", encoding="utf-8", newline="\n") as f:
    f.write("\n".join(lines) + "\n")
