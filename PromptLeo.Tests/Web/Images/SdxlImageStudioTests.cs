using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Web.Features.Images;
using PromptLeo.Web.Features.Models;
using PromptLeo.Web.Features.Records;

namespace PromptLeo.Tests.Web.Images;

/// <summary>The studio service over the real portal with the demo SDXL and SDXL-Turbo models (written by demo mode).</summary>
public sealed class SdxlImageStudioTests(ImagesPortalFactory factory) : IClassFixture<ImagesPortalFactory>
{
    private ImageStudioService Studio => factory.Services.GetRequiredService<ImageStudioService>();

    [Theory]
    [InlineData(DemoModelSet.DemoSdxlModelId, 3, 5f, SchedulerKind.Euler)]
    [InlineData(DemoModelSet.DemoSdxlTurboModelId, 1, 0f, SchedulerKind.EulerAncestral)]
    public async Task GenerateAsync_Sdxl_StoresImageWithProgressRecordAndUsage(string model, int steps, float guidance, SchedulerKind scheduler)
    {
        var userId = await factory.CreateUserAsync();
        var reported = new List<int>();
        var request = new StudioRequest
        {
            ModelId = model, Prompt = "a red house on the sea", Width = 64, Height = 64, Steps = steps, Guidance = guidance, Scheduler = scheduler, Seed = 5,
        };

        var result = await Studio.GenerateAsync(userId, request, new Progress(p => reported.Add(p.Step)));

        Assert.True(result.Stored);
        Assert.Equal(Enumerable.Range(1, steps), reported);
        await using var db = await factory.DbAsync();
        var row = await db.GeneratedImages.SingleAsync(i => i.UserId == userId);
        Assert.Equal(("txt2img", model, 64, 64), (row.Kind, row.ModelId, row.Width, row.Height));
        var record = await db.ProcessingRecords.SingleAsync(r => r.RequestId == result.RequestId);
        Assert.Equal((ProcessingPurpose.ImageGeneration, "completed", model), (record.Purpose, record.Outcome, record.ModelId));
        Assert.Equal(1, factory.Meter.Settled[result.RequestId].ImageCount);
    }

    [Fact]
    public async Task DescribeAsync_DemoSdxl_SdxlFamilyWith1024DefaultAndInpainting()
    {
        var capabilities = await factory.Services.GetRequiredService<IImageGenerator>().DescribeAsync(DemoModelSet.DemoSdxlModelId);

        Assert.Equal((ImageModelFamily.StableDiffusionXL, 1024, 1024, true, true), (capabilities.Family, capabilities.DefaultWidth, capabilities.DefaultHeight, capabilities.ImageToImage, capabilities.Inpainting));
    }

    private sealed class Progress(Action<StudioProgress> onReport) : IProgress<StudioProgress>
    {
        public void Report(StudioProgress value) => onReport(value);
    }
}
