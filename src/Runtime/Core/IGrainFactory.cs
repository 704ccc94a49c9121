namespace MemoryPlatform.Runtime.Core;

/// <summary>Creates grain references. A reference is cheap; creating one neither calls nor activates.</summary>
public interface IGrainFactory
{
    TGrainInterface GetGrain<TGrainInterface>(string key) where TGrainInterface : IGrainWithStringKey;
}
