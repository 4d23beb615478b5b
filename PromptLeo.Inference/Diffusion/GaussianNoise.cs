namespace PromptLeo.Inference.Diffusion;

/// <summary>
/// Seeded standard-normal noise (SplitMix64 + Box–Muller). Independent of the .NET version, so a seed always
/// gives the same latents.
/// </summary>
internal sealed class GaussianNoise(long seed)
{
    private ulong state = unchecked((ulong)seed);
    private float spare;
    private bool hasSpare;

    public void Fill(Span<float> destination)
    {
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = Next();
        }
    }

    private float Next()
    {
        if (hasSpare)
        {
            hasSpare = false;
            return spare;
        }

        var u1 = (NextUInt64() >> 11) * (1.0 / (1UL << 53));
        var u2 = (NextUInt64() >> 11) * (1.0 / (1UL << 53));
        var radius = Math.Sqrt(-2.0 * Math.Log(1.0 - u1));
        var angle = 2.0 * Math.PI * u2;
        spare = (float)(radius * Math.Sin(angle));
        hasSpare = true;
        return (float)(radius * Math.Cos(angle));
    }

    private ulong NextUInt64()
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
