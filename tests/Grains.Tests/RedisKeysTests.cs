using System.Text;
using MemoryPlatform.Grains.Storage;
using MemoryPlatform.ModelCore.Icae;

namespace MemoryPlatform.Grains.Tests;

public class RedisKeysTests
{
    [Fact]
    public void Keys_have_the_documented_shapes()
    {
        Assert.Equal("{acme:doc-1}", RedisKeys.DocTag("acme", "doc-1"));
        Assert.Equal("doc:{acme:doc-1}", RedisKeys.Doc("acme", "doc-1"));
        Assert.Equal("mem:{acme:doc-1}:span:0", RedisKeys.Span("acme", "doc-1", 0));
        Assert.Equal("mem:{acme:doc-1}:span:12345", RedisKeys.Span("acme", "doc-1", 12345));
        Assert.Equal("mem:{acme:doc-1}:span:", RedisKeys.SpanPrefix("acme", "doc-1"));
        Assert.Equal("mem:{acme:doc-1}:span:3:ver", RedisKeys.SpanVersion("acme", "doc-1", 3));
        Assert.Equal("mem:{acme:doc-1}:span:3:staged:17", RedisKeys.SpanStaged("acme", "doc-1", 3, 17));
        var keys = RedisKeys.SpanKeysOf("acme", "doc-1");
        Assert.Equal(RedisKeys.Span("acme", "doc-1", 12345), keys.Span(12345));
        Assert.Equal(RedisKeys.SpanVersion("acme", "doc-1", 3), keys.Version(3));
        Assert.Equal(RedisKeys.SpanStaged("acme", "doc-1", 3, 17), keys.Staged(3, 17));
        Assert.Throws<ArgumentOutOfRangeException>(() => keys.Span(-1));
        Assert.Equal("tenant:{acme}", RedisKeys.Tenant("acme"));
        Assert.Equal("tenant:{acme}:docs", RedisKeys.TenantDocs("acme"));
        Assert.Equal("doc:{A.b_C-9:x.Y_z-0}", RedisKeys.Doc("A.b_C-9", "x.Y_z-0"));
        Assert.Throws<ArgumentOutOfRangeException>(() => RedisKeys.Span("acme", "doc-1", -1));
    }

    [Fact]
    public void Span_keys_use_invariant_digits_whatever_the_culture()
    {
        var saved = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("ar-SA");
            Assert.Equal("mem:{t:d}:span:1000", RedisKeys.Span("t", "d", 1000));
        }
        finally { System.Globalization.CultureInfo.CurrentCulture = saved; }
    }

    [Fact]
    public void Crc16_and_hash_slots_follow_the_redis_cluster_spec()
    {
        Assert.Equal(0x31C3, RedisHashSlot.Crc16("123456789"u8));   // the spec's test vector
        Assert.Equal(0, RedisHashSlot.Crc16(ReadOnlySpan<byte>.Empty));
        Assert.Equal(12182, RedisHashSlot.Of("foo"));                 // CLUSTER KEYSLOT foo
        Assert.Equal(RedisHashSlot.Of("user1000"), RedisHashSlot.Of("{user1000}.following"));
        Assert.Equal(RedisHashSlot.Of("user1000"), RedisHashSlot.Of("{user1000}.followers"));
        Assert.Equal(RedisHashSlot.Of("foo{}{bar}"), RedisHashSlot.Crc16("foo{}{bar}"u8) % 16384); // empty tag: whole key
        Assert.Equal(RedisHashSlot.Of("{bar"), RedisHashSlot.Of("foo{{bar}}zap"));                  // tag is "{bar"
        Assert.Equal(RedisHashSlot.Of("bar"), RedisHashSlot.Of("foo{bar}{zap}"));                   // first tag only
    }

    [Theory]
    [InlineData("acme", "doc-1")]
    [InlineData("t", "d")]
    [InlineData("Tenant_42.prod", "2024-05-01.report.v3")]
    public void All_keys_of_a_document_share_one_hash_tag_and_one_cluster_slot(string tenant, string docId)
    {
        var keys = new List<string> { RedisKeys.Doc(tenant, docId) };
        for (int i = 0; i < 200; i++) keys.Add(RedisKeys.Span(tenant, docId, i));

        string tag = tenant + ":" + docId;
        int slot = RedisHashSlot.Crc16(Encoding.ASCII.GetBytes(tag)) % RedisHashSlot.SlotCount;
        foreach (var key in keys)
        {
            Assert.Equal(tag, Encoding.ASCII.GetString(RedisHashSlot.HashedPart(Encoding.ASCII.GetBytes(key))));
            Assert.Equal(slot, RedisHashSlot.Of(key));
        }
        Assert.Equal(RedisHashSlot.Of(RedisKeys.Tenant(tenant)), RedisHashSlot.Of(RedisKeys.TenantDocs(tenant)));
    }

    [Fact]
    public void Different_documents_spread_over_slots()
    {
        var slots = Enumerable.Range(0, 500).Select(i => RedisHashSlot.Of(RedisKeys.Doc("acme", "doc" + i))).ToHashSet();
        Assert.True(slots.Count > 450, $"only {slots.Count} distinct slots for 500 documents");
    }

    public static TheoryData<string> BadIds => new()
    {
        "", "a{b", "a}b", "{ab}", "a:b", "a b", "a\nb", "a\tb", "a\0b", "ab\r", "caf\u00e9", "\u0430bc" /* Cyrillic a */,
        "a/b", "a*b", "emoji\U0001F600", new string('x', 129),
    };

    [Theory]
    [MemberData(nameof(BadIds))]
    public void Bad_tenant_ids_are_refused_with_a_clear_message(string id)
    {
        var e = Assert.Throws<ArgumentException>(() => RedisKeys.Tenant(id));
        Assert.StartsWith("Tenant id", e.Message);
        Assert.Equal("tenant", e.ParamName);
        Assert.Throws<ArgumentException>(() => RedisKeys.Doc(id, "doc"));
        Assert.Throws<ArgumentException>(() => StableHash.SpanContent(id, [1], default));
        Assert.False(RedisIds.IsValid(id));
    }

    [Theory]
    [MemberData(nameof(BadIds))]
    public void Bad_document_ids_are_refused_with_a_clear_message(string id)
    {
        var e = Assert.Throws<ArgumentException>(() => RedisKeys.Doc("acme", id));
        Assert.StartsWith("Document id", e.Message);
        Assert.Equal("docId", e.ParamName);
        Assert.Throws<ArgumentException>(() => RedisKeys.Span("acme", id, 0));
    }

    [Fact]
    public void Messages_say_what_is_wrong()
    {
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => RedisIds.ValidateTenant("")).Message);
        Assert.Contains("129 characters", Assert.Throws<ArgumentException>(() => RedisIds.ValidateDocId(new string('a', 129))).Message);
        Assert.Contains("'{' (U+007B) at position 1", Assert.Throws<ArgumentException>(() => RedisIds.ValidateDocId("a{")).Message);
        Assert.Contains("U+000A at position 3", Assert.Throws<ArgumentException>(() => RedisIds.ValidateTenant("abc\n")).Message);
        Assert.Contains("missing", Assert.Throws<ArgumentException>(() => RedisIds.ValidateTenant(null)).Message);
    }

    [Fact]
    public void Ids_of_exactly_128_allowed_characters_are_accepted()
    {
        var id = string.Concat(Enumerable.Repeat("aZ0._-", 22))[..128];
        Assert.Equal("doc:{" + id + ":" + id + "}", RedisKeys.Doc(id, id));
        Assert.True(RedisIds.IsValid(id));
    }
}

public class StableHashTests
{
    private static readonly ModelFingerprint Fp = ModelFingerprint.Of("base", "adapter");
    private static readonly int[] Tokens = [1, 15043, 3186, 29889, 2];

    [Fact]
    public void Span_content_hash_is_fixed_across_runs()
    {
        // Computed once (and independently with Python's hashlib from the documented layout).
        Assert.Equal("77f9c4c9b03bd9f99986485d4537b8c388156a93a9ab5f66109c64e34aee2d91", StableHash.SpanContent("acme", Tokens, Fp));
        Assert.Equal("70b8be85d0e5793015e6f01011b364b7a6a5393b84c6513b9c5fbcfa8f765cdb", StableHash.SpanContent("globex", Tokens, Fp));
    }

    [Fact]
    public void Span_content_hash_depends_on_tenant_tokens_and_model()
    {
        string h = StableHash.SpanContent("acme", Tokens, Fp);
        Assert.Equal(64, h.Length);
        Assert.Equal(h, StableHash.SpanContent("acme", Tokens.ToArray(), Fp));
        Assert.NotEqual(h, StableHash.SpanContent("globex", Tokens, Fp));
        Assert.NotEqual(h, StableHash.SpanContent("acme", [1, 15043, 3186, 29889], Fp));
        Assert.NotEqual(h, StableHash.SpanContent("acme", [2, 29889, 3186, 15043, 1], Fp));
        Assert.NotEqual(h, StableHash.SpanContent("acme", Tokens, ModelFingerprint.Of("base", "adapter-v2")));
        Assert.NotEqual(StableHash.SpanContent("acme", [], Fp), StableHash.SpanContent("acme", [0], Fp));
    }

    [Fact]
    public void Long_spans_hash_the_same_as_their_bytes_say()
    {
        var tokens = Enumerable.Range(0, 1000).Select(i => i * 7919 - 500).ToArray();
        var a = StableHash.SpanContent("acme", tokens, Fp);
        tokens[999]++;
        Assert.NotEqual(a, StableHash.SpanContent("acme", tokens, Fp));
        tokens[999]--;
        Assert.Equal(a, StableHash.SpanContent("acme", tokens, Fp));
    }

    [Fact]
    public void Sha256Hex_matches_the_known_vector()
    {
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", StableHash.Sha256Hex("abc"u8));
    }
}
