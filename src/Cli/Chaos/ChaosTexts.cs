namespace MemoryPlatform.Cli.Chaos;

/// <summary>Plain English-like documents and questions, reproducible from a seed, so a document can be ingested again for reference.</summary>
public static class ChaosTexts
{
    private static readonly string[] Subjects = ["The keeper", "A sailor", "The old ship", "Her brother", "The lamp", "A storm", "The village", "The captain"];
    private static readonly string[] Verbs = ["watched", "carried", "found", "lit", "crossed", "remembered", "painted", "repaired"];
    private static readonly string[] Objects = ["the harbour", "nine barrels", "the stone wall", "a silver clock", "the narrow stair", "the northern reef", "a map of the coast", "the signal bell"];
    private static readonly string[] Times = ["at dawn", "before the frost", "in the winter of {0}", "on the third night", "after the war", "in {0}"];

    public static string Document(int seed, int chars)
    {
        var random = new Random(seed);
        var text = new System.Text.StringBuilder();
        while (text.Length < chars)
        {
            if (text.Length > 0) text.Append(' ');
            text.Append(Subjects[random.Next(Subjects.Length)]).Append(' ').Append(Verbs[random.Next(Verbs.Length)]).Append(' ')
                .Append(Objects[random.Next(Objects.Length)]).Append(' ')
                .Append(string.Format(System.Globalization.CultureInfo.InvariantCulture, Times[random.Next(Times.Length)], 1800 + random.Next(200)))
                .Append('.');
        }
        return text.ToString();
    }

    public static string Question(Random random) =>
        random.Next(3) switch
        {
            0 => "Who lit the lamp?",
            1 => "What did the sailor carry?",
            _ => "When was the wall repaired?",
        };
}
