using System.Text;
using MemoryPlatform.ModelCore.Data;

namespace MemoryPlatform.ModelCore.Tests.Data;

public class CleaningTests
{
    [Fact]
    public void Clean_NormalisesLineEndsBlankLinesAndNfc()
    {
        var decomposed = "Cafe\u0301";
        var raw = "\n\nTitle\r\nline two  \rthree\n\n\n\n\n\nafter" + "\t" + decomposed + "\n<|doc|>\nend\n\n";
        var clean = TextCleaner.Clean(raw);
        Assert.Equal("Title\nline two\nthree\n\n\nafter    Caf\u00e9\nend", clean);
        Assert.True(clean.IsNormalized(NormalizationForm.FormC));
    }

    [Fact]
    public void Html_StripsMarkupKeepsPreAndDecodesEntities()
    {
        var html = "<div class=\"para\">\n\t\tThe <code class=\"command\">apt-get</code>   tool &amp; friends.\n</div>" +
                   "<script>var x = 1;</script><!-- note -->" +
                   "<pre class=\"screen\"><code>$ apt-get  install\n  foo &lt;bar&gt;</code></pre>" +
                   "<ul><li>one</li><li>two</li></ul><h2>Next&nbsp;part</h2>";
        Assert.Equal("The apt-get tool & friends.\n\n$ apt-get  install\n  foo <bar>\n\n- one\n- two\n\nNext part",
            HtmlText.ToText(html));
    }

    [Fact]
    public void Handbook_PageTextDropsNavigationAndToc()
    {
        var html = "<html><head><link rel=\"next\" href=\"sect.b.html\" title=\"x\" /></head><body>" +
                   "<ul class=\"docnav top\"><li>Prev</li></ul><div class=\"toc\"><dl class=\"toc\"><dt>1.1 A</dt></dl></div>" +
                   "<div class=\"para\">Body text.</div><ul class=\"docnav\"><li>Next</li></ul></body></html>";
        Assert.Equal("Body text.", HandbookSource.PageText(html));
        Assert.Equal("sect.b.html", HandbookSource.NextPage(html));
    }

    [Fact]
    public void Fortunes_SplitOnPercentLines()
    {
        var file = "First fortune,\n  two lines.\n%\nSecond.\n\t\t-- Someone\n%\n%\nThird.\n%\n";
        Assert.Equal(["First fortune,\n  two lines.", "Second.\n\t\t-- Someone", "Third."],
            FortuneSource.SplitFortunes(file));
    }

    [Fact]
    public void Gcide_EntryBecomesPlainText()
    {
        var entry = "Abandon \\A*ban\"don\\ ([.a]*b[a^]n\"d[u^]n), v. t. [imp. & p. p.\n" +
                    "   {Abandoned}.] [OF. abandoner.]\n" +
                    "   1. To cast or drive out; to banish. See {Ban}.\n" +
                    "      [1913 Webster]\n\n" +
                    "            That he might . . . abandon them. --Udall.\n" +
                    "      [1913 Webster +PJC]\n" +
                    "   Syn: give up; [ae]ther; na[i^]ve.\n" +
                    "        [WordNet 1.5]\n";
        Assert.Equal("Abandon, v. t. [imp. & p. p.\nAbandoned.] [OF. abandoner.]\n1. To cast or drive out; to banish. See Ban.\n\n" +
                     "That he might . . . abandon them. --Udall.\nSyn: give up; æther; naive.",
            GcideMarkup.ToPlainText(entry));
    }

    [Fact]
    public void Dictd_DecodesIndexAndSkipsMetadata()
    {
        Assert.Equal(0, DictdReader.DecodeNumber("A"));
        Assert.Equal(64 * 2 + 3, DictdReader.DecodeNumber("CD"));
        var data = Encoding.UTF8.GetBytes("00-database-url\n x\nApple \\Ap\"ple\\, n.\n   A fruit.\nZeal, n.\n   Ardor.\n");
        // Two headwords share the Apple body; it must come out once, in file order.
        var index = "00-gcide-url\tA\tT\nZeal\t" + Enc(50) + "\t" + Enc(19) + "\nApple\tT\t" + Enc(31) + "\napple\tT\t" + Enc(31) + "\n";
        Assert.Equal(["Apple \\Ap\"ple\\, n.\n   A fruit.\n", "Zeal, n.\n   Ardor.\n"], DictdReader.Entries(index, data).ToList());
    }

    private static string Enc(long v)
    {
        const string a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        var s = "";
        do { s = a[(int)(v % 64)] + s; v /= 64; } while (v > 0);
        return s;
    }

    [Fact]
    public void WordNet_ParsesSynsetLine()
    {
        Assert.Null(WordNetSource.ParseLine("  1 This software and database is being provided"));
        var line = "00001740 03 n 02 entity 0 big_deal(a) 0 003 ~ 00001930 n 0000 | that which is perceived; \"a thing\"  ";
        Assert.Equal((3, "entity, big deal: that which is perceived; \"a thing\""), WordNetSource.ParseLine(line));
    }

    [Fact]
    public void Kjv_OneDocumentPerBookWithoutVerseNumbers()
    {
        var output = "\nGenesis 1\n\n  1 In the beginning.\n  2 And the earth.\n\nGenesis 2\n\n  1 Thus.\n\n1 Samuel 1\n\n  1 Now there was.\n";
        var docs = KjvSource.SplitBooks(output).ToList();
        Assert.Equal(["01-Genesis", "02-1-Samuel"], docs.Select(d => d.Id));
        Assert.Equal("Genesis\n\nGenesis 1\n\nIn the beginning.\nAnd the earth.\n\nGenesis 2\n\nThus.\n", docs[0].Text);
    }

    [Fact]
    public void Jargon_SplitsEntriesAndUnwrapsReferences()
    {
        var text = "Front matter\n   :foo: n.\n\n   See {bar}.\n\n   :bar: /bar/, n.\n\n   A {foo}.\n";
        Assert.Equal(["foo: n.\n\nSee bar.", "bar: /bar/, n.\n\nA foo."], JargonSource.SplitEntries(text));
    }

    [Fact]
    public void EnglishFilter_KeepsEnglishDropsOthers()
    {
        Assert.True(EnglishFilter.IsEnglish("It is a truth universally acknowledged, that a single man in possession of a good fortune."));
        Assert.False(EnglishFilter.IsEnglish(""));
        Assert.False(EnglishFilter.IsEnglish("Это очень длинный текст на русском языке, который не является английским."));
        Assert.False(EnglishFilter.IsEnglish("  /\\_/\\  \n ( o.o ) \n  > ^ <  \n ||| ||| ||| ||| ||| ~~~ ### ### ###"));
    }
}
