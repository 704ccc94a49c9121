using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.ModelCore.Tests.Tensors;

/// <summary>
/// libtorch's default generator is one per process: a test in another class that seeds it or draws from it (random
/// models, LoRA dropout, trainers seeding per micro-batch) between this test's seed and its draw changes the draw.
/// </summary>
[CollectionDefinition(nameof(GlobalGenerator), DisableParallelization = true)]
public class GlobalGenerator;

[Collection(nameof(GlobalGenerator))]
public class ManualSeedTests
{
    [Fact]
    public void Manual_seed_repeats_random_draws()
    {
        using var scope = TensorScope.Begin();
        Torch.ManualSeed(1234);
        var a = Tensor.Randn([16]).ToArray<float>();
        Torch.ManualSeed(1234);
        var b = Tensor.Randn([16]).ToArray<float>();
        Assert.Equal(a, b);
    }
}
