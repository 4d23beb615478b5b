using PromptLeo.Inference.Diffusion.Flux;

namespace PromptLeo.Tests.Inference.Diffusion.Flux;

public sealed class FluxLatentsTests
{
    [Fact]
    public void Pack_TwoChannels_PutsEachPatchInOneTokenChannelMajor()
    {
        // [C=2,h=2,w=4] holding 0..15; token (0,j) gathers rows 0–1, columns 2j–2j+1; feature = c·4 + dy·2 + dx.
        var latents = Enumerable.Range(0, 16).Select(i => (float)i).ToArray();
        var packed = new float[16];

        FluxLatents.Pack(latents, 2, 2, 4, packed);

        Assert.Equal([0f, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15], packed);
    }

    [Fact]
    public void Unpack_AfterPack_RestoresTheLatents()
    {
        var latents = Enumerable.Range(0, 16 * 6 * 8).Select(i => (float)Math.Sin(i)).ToArray();
        var packed = new float[latents.Length];
        var restored = new float[latents.Length];

        FluxLatents.Pack(latents, 16, 6, 8, packed);
        FluxLatents.Unpack(packed, 16, 6, 8, restored);

        Assert.Equal(latents, restored);
        Assert.NotEqual(latents, packed);
    }

    [Fact]
    public void ImageIds_LatentFourBySix_AreZeroRowColumnPerPatch()
    {
        // (h/2)·(w/2) = 2·3 tokens, each (0, row, column), rows outer.
        var ids = FluxLatents.ImageIds(4, 6);

        Assert.Equal([0f, 0, 0, 0, 0, 1, 0, 0, 2, 0, 1, 0, 0, 1, 1, 0, 1, 2], ids);
    }

    [Fact]
    public void Pack_OddLatentSize_Throws()
    {
        Assert.Throws<ArgumentException>(() => FluxLatents.Pack(new float[3 * 4], 1, 3, 4, new float[12]));
    }
}
