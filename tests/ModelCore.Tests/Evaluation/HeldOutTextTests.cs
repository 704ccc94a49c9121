using MemoryPlatform.ModelCore.Evaluation;
using MemoryPlatform.ModelCore.Tests.Training;

namespace MemoryPlatform.ModelCore.Tests.Evaluation;

public class HeldOutTextTests
{
    private static readonly string[] Documents =
    [
        "short one",
        string.Concat(Enumerable.Repeat("alpha beta gamma delta. ", 6)),
        string.Concat(Enumerable.Repeat("one two three four five. ", 5)),
        "tiny",
    ];

    private static bool IsWindowOfADocument(int[] window) =>
        Documents.Select(TrainingFixtures.Encode).Where(doc => doc.Length >= window.Length).Any(doc =>
            Enumerable.Range(0, doc.Length - window.Length + 1).Any(s => doc.AsSpan(s, window.Length).SequenceEqual(window)));

    [Fact]
    public void Windows_have_the_length_come_from_long_enough_documents_and_repeat_for_a_seed()
    {
        var text = new HeldOutText(Documents, TrainingFixtures.Encode, seed: 5);
        var windows = text.Windows(count: 5, length: 40);                                          // more windows than long documents: wraps
        Assert.Equal(5, windows.Count);
        Assert.All(windows, w => Assert.Equal(40, w.Length));
        Assert.All(windows, w => Assert.True(IsWindowOfADocument(w)));
        Assert.Equal(windows, new HeldOutText(Documents, TrainingFixtures.Encode, seed: 5).Windows(5, 40));
        Assert.NotEqual(windows, new HeldOutText(Documents, TrainingFixtures.Encode, seed: 6).Windows(5, 40));
    }

    [Fact]
    public void A_length_no_document_has_is_a_clear_error()
    {
        var text = new HeldOutText(Documents, TrainingFixtures.Encode, seed: 1);
        var e = Assert.Throws<InvalidDataException>(() => text.Windows(2, 1000));
        Assert.Contains("1000 tokens", e.Message);
        Assert.Throws<ArgumentException>(() => new HeldOutText([], TrainingFixtures.Encode, 1));
    }
}
