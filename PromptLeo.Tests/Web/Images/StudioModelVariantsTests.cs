using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Models.Demo;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Images;
using PromptLeo.Web.Features.Records;

namespace PromptLeo.Tests.Web.Images;

/// <summary>SD 2.1 and SD-Turbo (fp32 and fp16) through the studio: form defaults from the model, stored image, usage and record.</summary>
public sealed class StudioModelVariantsTests(ImagesPortalFactory factory) : IClassFixture<ImagesPortalFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => PortalDiffusionModels.InstallAsync(factory.Services,
        TinyDiffusionModelOptions.Sd21("studio-sd21-fp32"), TinyDiffusionModelOptions.Sd21("studio-sd21-fp16", TensorPrecision.Float16),
        TinyDiffusionModelOptions.Turbo("studio-turbo-fp32"), TinyDiffusionModelOptions.Turbo("studio-turbo-fp16", TensorPrecision.Float16));

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("studio-sd21-fp32", 768, 20)]
    [InlineData("studio-sd21-fp16", 768, 20)]
    [InlineData("studio-turbo-fp32", 512, 1)]
    [InlineData("studio-turbo-fp16", 512, 1)]
    public async Task Generate_WithTheModelsDefaults_StoresImageWithUsageAndRecord(string modelId, int size, int steps)
    {
        var userId = await factory.CreateUserAsync();
        var form = new StudioForm { Prompt = "a lighthouse at dusk", NegativePrompt = "blurry" };
        form.ApplyModelDefaults(modelId, await factory.Services.GetRequiredService<ImageModelChoices>().DescribeAsync(modelId, CancellationToken.None));

        var result = await factory.Services.GetRequiredService<ImageStudioService>().GenerateAsync(userId, form.ToRequest());

        Assert.True(result.Stored);
        var image = Assert.Single(result.Images);
        var file = await factory.Services.GetRequiredService<ImageGallery>().ReadAsync(userId, image.Id!.Value, withParameters: true);
        Assert.Equal((size, size), (TestImages.Decode(file!.Value.Png).Width, TestImages.Decode(file.Value.Png).Height));
        Assert.Equal((steps, size), (file.Value.Item.Parameters.Steps, file.Value.Item.Width));
        var settled = factory.Meter.Settled[result.RequestId];
        Assert.Equal((1, size, size, steps), (settled.ImageCount, settled.Width, settled.Height, settled.Steps));
        await using var db = await factory.DbAsync();
        var record = await db.ProcessingRecords.SingleAsync(r => r.RequestId == result.RequestId);
        Assert.Equal((userId, ProcessingPurpose.ImageGeneration, "completed", modelId), (record.SubjectId, record.Purpose, record.Outcome, record.ModelId));
    }

    [Theory]
    [InlineData("studio-sd21-fp16")]
    [InlineData("studio-turbo-fp16")]
    public async Task Generate_FromAnImage_IsAnImageEditWithItsOwnRecord(string modelId)
    {
        var userId = await factory.CreateUserAsync();
        var form = new StudioForm { Prompt = "a watercolor" };
        form.ApplyModelDefaults(modelId, await factory.Services.GetRequiredService<ImageModelChoices>().DescribeAsync(modelId, CancellationToken.None));
        (form.Size, form.Steps, form.Strength) = ("256x256", 2, 0.5f);

        var result = await factory.Services.GetRequiredService<ImageStudioService>().GenerateAsync(userId, form.ToRequest(initImage: TestImages.Gradient(64, 64)));

        Assert.Single(result.Images);
        Assert.Equal(1, factory.Meter.Settled[result.RequestId].Steps);
        await using var db = await factory.DbAsync();
        Assert.Equal(ProcessingPurpose.ImageEdit, (await db.ProcessingRecords.SingleAsync(r => r.RequestId == result.RequestId)).Purpose);
        Assert.Equal("img2img", (await db.GeneratedImages.SingleAsync(i => i.UserId == userId)).Kind);
    }
}
