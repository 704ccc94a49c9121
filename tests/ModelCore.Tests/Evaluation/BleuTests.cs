using MemoryPlatform.ModelCore.Evaluation;

namespace MemoryPlatform.ModelCore.Tests.Evaluation;

/// <summary>Sentence BLEU-4 against values worked out by hand (the arithmetic is in each test).</summary>
public class BleuTests
{
    [Fact]
    public void An_exact_copy_scores_one_and_an_empty_or_disjoint_hypothesis_zero()
    {
        int[] reference = [4, 8, 15, 16, 23, 42];
        Assert.Equal(1.0, Bleu.Sentence(reference, reference), 12);
        Assert.Equal(0.0, Bleu.Sentence(reference, []));
        Assert.Equal(0.0, Bleu.Sentence(reference, [1, 2, 3, 5, 6, 7]));
    }

    [Fact]
    public void One_wrong_last_token_smooths_the_higher_orders_with_add_one()
    {
        // p1 = 5/6; p2 = (4+1)/(5+1); p3 = (3+1)/(4+1); p4 = (2+1)/(3+1); BP = 1 (c = r = 6).
        // BLEU = (5/6 · 5/6 · 4/5 · 3/4)^(1/4) = (5/12)^(1/4).
        var bleu = Bleu.Sentence([1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 7]);
        Assert.Equal(Math.Pow(5.0 / 12, 0.25), bleu, 12);
        Assert.Equal(0.803428, bleu, 6);
    }

    [Fact]
    public void A_short_hypothesis_pays_the_brevity_penalty()
    {
        // A correct half: every precision is 1 (p2..p4 = (m+1)/(t+1) with m = t); BP = exp(1 − 8/4) = e^−1.
        Assert.Equal(Math.Exp(-1), Bleu.Sentence([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 3, 4]), 12);
    }

    [Fact]
    public void Repeated_tokens_are_clipped_to_their_count_in_the_reference()
    {
        // p1 = 1/4 (one 5 in the reference); p2 = (0+1)/(3+1); p3 = (0+1)/(2+1); p4 = (0+1)/(1+1); BP = 1.
        // BLEU = (1/4 · 1/4 · 1/3 · 1/2)^(1/4) = (1/96)^(1/4).
        Assert.Equal(Math.Pow(1.0 / 96, 0.25), Bleu.Sentence([5, 6, 7, 8], [5, 5, 5, 5]), 12);
        Assert.Equal((1, 4), Bleu.Matches([5, 6, 7, 8], [5, 5, 5, 5], 1));
    }

    [Fact]
    public void A_longer_hypothesis_has_no_brevity_penalty_but_lower_precisions()
    {
        // p1 = 3/4; p2 = (2+1)/(3+1); p3 = (1+1)/(2+1); p4 = (0+1)/(1+1); BP = 1 (c = 4 > r = 3).
        // BLEU = (3/4 · 3/4 · 2/3 · 1/2)^(1/4) = (3/16)^(1/4).
        Assert.Equal(Math.Pow(3.0 / 16, 0.25), Bleu.Sentence([1, 2, 3], [1, 2, 3, 4]), 12);
        Assert.Equal(0.658037, Bleu.Sentence([1, 2, 3], [1, 2, 3, 4]), 6);
    }

    [Fact]
    public void Matches_counts_clipped_ngrams_of_the_hypothesis()
    {
        Assert.Equal((4, 5), Bleu.Matches([1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 7], 2));
        Assert.Equal((2, 3), Bleu.Matches([1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 7], 4));
        Assert.Equal((0, 0), Bleu.Matches([1, 2, 3], [1, 2], 3));
    }

    [Fact]
    public void An_empty_reference_is_an_error()
    {
        Assert.Throws<ArgumentException>(() => Bleu.Sentence([], [1]));
    }
}
