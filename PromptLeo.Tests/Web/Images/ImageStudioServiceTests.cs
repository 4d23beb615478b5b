using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PromptLeo.Inference;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Llm;
using PromptLeo.Inference.Models;
using PromptLeo.Inference.Models.Demo;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Images;
using PromptLeo.Web.Features.Models;
using PromptLeo.Web.Features.Records;
using PromptLeo.Web.Features.Storage;

namespace PromptLeo.Tests.Web.Images;

/// <summary>The studio service over the real portal: demo ONNX models, SQLite, encryption, records and metering.</summary>
public sealed class ImageStudioServiceTests(ImagesPortalFactory factory) : IClassFixture<ImagesPortalFactory>
{
    private ImageStudioService Studio => factory.Services.GetRequiredService<ImageStudioService>();

    private ImageGallery Gallery => factory.Services.GetRequiredService<ImageGallery>();

    private static StudioRequest Small(string prompt = "a red house on the sea") => new()
    {
        ModelId = DemoModelSet.DemoDiffusionModelId, Prompt = prompt, Width = 64, Height = 64, Steps = 2, Seed = 42,
    };

    [Fact]
    public async Task GenerateAsync_StoresEncryptedPngWithRecordAndUsage()
    {
        var userId = await factory.CreateUserAsync();
        var steps = new List<(int Image, int Step)>();

        var result = await Studio.GenerateAsync(userId, Small() with { BatchCount = 2 }, new Sync<StudioProgress>(p => steps.Add((p.Image, p.Step))));

        Assert.False(result.Cancelled);
        Assert.True(result.Stored);
        Assert.Equal([(1, 1), (1, 2), (2, 1), (2, 2)], steps);
        Assert.Equal([42L, 43L], result.Images.Select(i => i.Seed));
        await using var db = await factory.DbAsync();
        var rows = await db.GeneratedImages.Where(i => i.UserId == userId).OrderBy(i => i.Id).ToListAsync();
        Assert.Equal(2, rows.Count);
        var paths = factory.Services.GetRequiredService<DataPaths>();
        foreach (var row in rows)
        {
            Assert.Equal("txt2img", row.Kind);
            Assert.Equal(result.RequestId, row.RequestId);
            var onDisk = await File.ReadAllBytesAsync(Path.Combine(paths.Files, userId, row.FileName));
            Assert.False(onDisk.AsSpan(1, 3).SequenceEqual("PNG"u8), "the file must be stored encrypted");
            Assert.DoesNotContain("red house", System.Text.Encoding.UTF8.GetString(row.ParametersCipher));
            var file = await Gallery.ReadAsync(userId, row.Id, withParameters: false);
            using var bitmap = TestImages.Decode(file!.Value.Png);
            Assert.Equal((64, 64), (bitmap.Width, bitmap.Height));
            Assert.Equal("a red house on the sea", file.Value.Item.Parameters.Prompt);
        }
        var record = await db.ProcessingRecords.SingleAsync(r => r.RequestId == result.RequestId);
        Assert.Equal((userId, ProcessingPurpose.ImageGeneration, "completed", "portal", DemoModelSet.DemoDiffusionModelId),
            (record.SubjectId, record.Purpose, record.Outcome, record.Channel, record.ModelId));
        Assert.Equal(2, factory.Meter.Settled[result.RequestId].ImageCount);
        Assert.Equal(1, factory.Meter.Released[result.RequestId]);
    }

    [Fact]
    public async Task GenerateAsync_CancelledInSecondImage_KeepsAndChargesOnlyTheFirst()
    {
        var userId = await factory.CreateUserAsync();
        using var cts = new CancellationTokenSource();
        var progress = new Sync<StudioProgress>(p =>
        {
            if (p.Image == 2 && p.Step == 1)
            {
                cts.Cancel();
            }
        });

        var result = await Studio.GenerateAsync(userId, Small() with { BatchCount = 3, Steps = 20 }, progress, cts.Token);

        Assert.True(result.Cancelled);
        Assert.Single(result.Images);
        await using var db = await factory.DbAsync();
        Assert.Equal(1, await db.GeneratedImages.CountAsync(i => i.UserId == userId));
        Assert.Single(Directory.GetFiles(Path.Combine(factory.Services.GetRequiredService<DataPaths>().Files, userId)));
        Assert.Equal("cancelled", (await db.ProcessingRecords.SingleAsync(r => r.RequestId == result.RequestId)).Outcome);
        Assert.Equal(1, factory.Meter.Settled[result.RequestId].ImageCount);
        Assert.Contains(factory.Meter.Reserved, e => e.RequestId == result.RequestId && e.ImageCount == 3);
    }

    [Fact]
    public async Task GenerateAsync_ImageToImage_StoresKindAndStrength()
    {
        var userId = await factory.CreateUserAsync();

        var result = await Studio.GenerateAsync(userId, Small() with { InitImage = TestImages.Gradient(80, 60), Strength = 0.5f, Steps = 4 });

        var item = await Gallery.GetAsync(userId, result.Images[0].Id!.Value);
        Assert.Equal("img2img", item!.Kind);
        Assert.Equal(0.5f, item.Parameters.Strength);
        await using var db = await factory.DbAsync();
        Assert.Equal(ProcessingPurpose.ImageEdit, (await db.ProcessingRecords.SingleAsync(r => r.RequestId == result.RequestId)).Purpose);
    }

    [Fact]
    public async Task GenerateAsync_PromptOverLimit_IsRejectedBeforeAnything()
    {
        var userId = await factory.CreateUserAsync();

        var error = await Assert.ThrowsAsync<ImageStudioException>(() => Studio.GenerateAsync(userId, Small(new string('a', ImagesPortalFactory.MaxPromptLength + 1))));

        Assert.Equal(StudioProblem.PromptTooLong, error.Problem);
        await AssertNothingStoredAsync(userId);
    }

    [Fact]
    public async Task GenerateAsync_UploadNotAnImage_IsRejected()
    {
        var userId = await factory.CreateUserAsync();

        var error = await Assert.ThrowsAsync<ImageStudioException>(() => Studio.GenerateAsync(userId, Small() with { InitImage = "%PDF-1.7 this is a document, not a picture"u8.ToArray() }));

        Assert.Equal(StudioProblem.NotAnImage, error.Problem);
        await AssertNothingStoredAsync(userId);
    }

    [Fact]
    public async Task RemoveBackgroundAsync_UploadOverLimit_IsRejected()
    {
        var userId = await factory.CreateUserAsync();
        var big = new byte[ImagesPortalFactory.MaxUploadBytes + 1];
        TestImages.Gradient(8, 8).CopyTo(big, 0);

        var error = await Assert.ThrowsAsync<ImageStudioException>(() => Studio.RemoveBackgroundAsync(userId, DemoModelSet.DemoBackgroundRemovalModelId, big));

        Assert.Equal(StudioProblem.UploadTooLarge, error.Problem);
        await AssertNothingStoredAsync(userId);
    }

    [Fact]
    public async Task GenerateAsync_WrongSize_NamesTheFieldFromTheEngine()
    {
        var userId = await factory.CreateUserAsync();

        var error = await Assert.ThrowsAsync<ImageRequestException>(() => Studio.GenerateAsync(userId, Small() with { Width = 60 }));

        Assert.Equal("Width", error.Field);
        await AssertNothingStoredAsync(userId);
        Assert.DoesNotContain(factory.Meter.Reserved, e => e.UserId == userId && factory.Meter.Released.GetValueOrDefault(e.RequestId) != 1);
    }

    [Fact]
    public async Task GenerateAsync_ModelUninstalledMidSession_ThrowsModelNotFoundAndDropsItFromTheChoices()
    {
        var userId = await factory.CreateUserAsync();
        var registry = factory.Services.GetRequiredService<IModelRegistry>();
        var models = factory.Services.GetRequiredService<IOptions<InferenceOptions>>().Value.ModelsDirectory;
        var folder = Path.Combine(models, "studio-vanishing");
        TinyDiffusionModelWriter.Write(folder, new TinyDiffusionModelOptions { Id = "studio-vanishing" });
        await registry.RescanAsync();
        var choices = factory.Services.GetRequiredService<ImageModelChoices>();
        Assert.Contains(choices.Diffusion(), m => m.Id == "studio-vanishing" && m.IsDemo);

        Directory.Delete(folder, recursive: true);
        await registry.RescanAsync();

        var error = await Assert.ThrowsAsync<ModelNotFoundException>(() => Studio.GenerateAsync(userId, Small() with { ModelId = "studio-vanishing" }));
        Assert.Equal("studio-vanishing", error.ModelId);
        Assert.DoesNotContain(choices.Diffusion(), m => m.Id == "studio-vanishing");
        await AssertNothingStoredAsync(userId);
    }

    [Fact]
    public async Task GenerateAsync_ModelGoneAfterFirstImage_KeepsAndChargesTheFinishedImage()
    {
        var userId = await factory.CreateUserAsync();
        var registry = factory.Services.GetRequiredService<IModelRegistry>();
        var models = factory.Services.GetRequiredService<IOptions<InferenceOptions>>().Value.ModelsDirectory;
        var folder = Path.Combine(models, "studio-fading");
        TinyDiffusionModelWriter.Write(folder, new TinyDiffusionModelOptions { Id = "studio-fading" });
        await registry.RescanAsync();
        var progress = new Sync<StudioProgress>(p =>
        {
            if (p.Image == 1 && p.Step == p.TotalSteps && Directory.Exists(folder))
            {
                // Uninstalled while the first image finishes: the second one can no longer start.
                Directory.Delete(folder, recursive: true);
                registry.RescanAsync().GetAwaiter().GetResult();
            }
        });

        var error = await Assert.ThrowsAsync<ModelNotFoundException>(() => Studio.GenerateAsync(userId, Small() with { ModelId = "studio-fading", BatchCount = 2 }, progress).WaitAsync(TimeSpan.FromSeconds(60)));

        Assert.Equal("studio-fading", error.ModelId);
        await using var db = await factory.DbAsync();
        var stored = await db.GeneratedImages.Where(i => i.UserId == userId).ToListAsync();
        var image = Assert.Single(stored);
        Assert.Equal("failed", (await db.ProcessingRecords.SingleAsync(r => r.RequestId == image.RequestId)).Outcome);
        Assert.Equal(1, factory.Meter.Settled[image.RequestId!].ImageCount);
    }

    [Fact]
    public async Task GenerateAsync_RestrictedAccount_ThrowsProcessingRestricted()
    {
        var userId = await factory.CreateUserAsync(u => u.ProcessingRestricted = true);

        await Assert.ThrowsAsync<ProcessingRestrictedException>(() => Studio.GenerateAsync(userId, Small()));

        await AssertNothingStoredAsync(userId);
    }

    [Fact]
    public async Task GenerateAsync_BudgetExceeded_ThrowsAndStoresNothing()
    {
        var userId = await factory.CreateUserAsync();
        factory.Meter.RefusedUsers[userId] = true;

        await Assert.ThrowsAsync<BudgetExceededException>(() => Studio.GenerateAsync(userId, Small()));

        await AssertNothingStoredAsync(userId);
        // The refusal frees the user's slot: the next request is not refused as busy.
        factory.Meter.RefusedUsers.TryRemove(userId, out _);
        Assert.Single((await Studio.GenerateAsync(userId, Small())).Images);
    }

    [Fact]
    public async Task GenerateAsync_SecondJobOfSameUser_ThrowsEngineBusy()
    {
        var userId = await factory.CreateUserAsync();
        using var cts = new CancellationTokenSource();
        var started = new TaskCompletionSource();
        var first = Studio.GenerateAsync(userId, Small() with { Steps = 150 }, new Sync<StudioProgress>(_ => started.TrySetResult()), cts.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(60));

        var busy = await Assert.ThrowsAsync<EngineBusyException>(() => Studio.GenerateAsync(userId, Small()));

        await cts.CancelAsync();
        var result = await first;
        Assert.True(result.Cancelled);
        Assert.Empty(result.Images);
        Assert.True(busy.RetryAfter > TimeSpan.Zero);
    }

    [Fact]
    public async Task RemoveBackgroundAsync_StoresTransparentPng()
    {
        var userId = await factory.CreateUserAsync();

        var result = await Studio.RemoveBackgroundAsync(userId, DemoModelSet.DemoBackgroundRemovalModelId, TestImages.Gradient(48, 32));

        var file = await Gallery.ReadAsync(userId, result.Images[0].Id!.Value, withParameters: true);
        using var bitmap = TestImages.Decode(file!.Value.Png);
        Assert.Equal((48, 32), (bitmap.Width, bitmap.Height));
        Assert.Contains(TestImages.Pixels(file.Value.Png).Where((_, i) => i % 4 == 3), a => a < 255);
        Assert.Equal("background-removal", file.Value.Item.Kind);
        await using var db = await factory.DbAsync();
        Assert.Equal(ProcessingPurpose.BackgroundRemoval, (await db.ProcessingRecords.SingleAsync(r => r.RequestId == result.RequestId)).Purpose);
    }

    [Fact]
    public async Task GenerateAsync_ZeroImageRetention_ReturnsImagesWithoutStoringThem()
    {
        var userId = await factory.CreateUserAsync(u => u.ImageRetentionDays = 0);

        var result = await Studio.GenerateAsync(userId, Small());

        Assert.False(result.Stored);
        using var bitmap = TestImages.Decode(Assert.Single(result.Images).InlinePng!);
        Assert.Equal(64, bitmap.Width);
        await AssertNothingStoredAsync(userId);
        await using var db = await factory.DbAsync();
        Assert.True(await db.ProcessingRecords.AnyAsync(r => r.RequestId == result.RequestId));
    }

    [Fact]
    public async Task Gallery_PagesNewestFirstAndDeleteRemovesRowAndFile()
    {
        var userId = await factory.CreateUserAsync();
        var result = await Studio.GenerateAsync(userId, Small() with { BatchCount = 4 });

        var first = await Gallery.ListAsync(userId, 1, 3);
        var second = await Gallery.ListAsync(userId, 2, 3);
        Assert.Equal((4, 2, 3, 1), (first.Total, first.PageCount, first.Items.Count, second.Items.Count));

        var victim = result.Images[0].Id!.Value;
        await using var db = await factory.DbAsync();
        var fileName = (await db.GeneratedImages.SingleAsync(i => i.Id == victim)).FileName;
        var path = Path.Combine(factory.Services.GetRequiredService<DataPaths>().Files, userId, fileName);
        Assert.True(File.Exists(path));
        var stranger = await factory.CreateUserAsync();

        Assert.False(await Gallery.DeleteAsync(stranger, victim));
        Assert.True(await Gallery.DeleteAsync(userId, victim));

        Assert.False(File.Exists(path));
        Assert.Null(await Gallery.GetAsync(userId, victim));
        Assert.Equal(3, (await Gallery.ListAsync(userId, 1, 3)).Total);
    }

    [Fact]
    public async Task GenerateAndFail_NeverLogPromptsOrNegativePrompts()
    {
        var userId = await factory.CreateUserAsync();
        const string prompt = "zebracorn-secret-prompt on the sea";
        const string negative = "quokka-secret-negative";

        var result = await Studio.GenerateAsync(userId, Small(prompt) with { NegativePrompt = negative });
        await Assert.ThrowsAsync<ImageRequestException>(() => Studio.GenerateAsync(userId, Small(prompt) with { NegativePrompt = negative, Height = 12 }));
        await Assert.ThrowsAsync<ModelNotFoundException>(() => Studio.GenerateAsync(userId, Small(prompt) with { ModelId = "missing-model" }));
        await Gallery.ReadAsync(userId, result.Images[0].Id!.Value, withParameters: true);

        Assert.Contains(factory.Logs.Lines, l => l.Contains(result.RequestId));
        Assert.DoesNotContain(factory.Logs.Lines, l => l.Contains("zebracorn") || l.Contains("quokka"));
    }

    private async Task AssertNothingStoredAsync(string userId)
    {
        await using var db = await factory.DbAsync();
        Assert.False(await db.GeneratedImages.AnyAsync(i => i.UserId == userId));
        Assert.False(Directory.Exists(Path.Combine(factory.Services.GetRequiredService<DataPaths>().Files, userId))
            && Directory.EnumerateFiles(Path.Combine(factory.Services.GetRequiredService<DataPaths>().Files, userId)).Any());
    }

    /// <summary>Reports on the engine's thread, so assertions see every step in order.</summary>
    [Fact]
    public async Task GenerateAsync_MaskAsThePainterExportsIt_InpaintsAndIsValidatedAsAnUpload()
    {
        var userId = await factory.CreateUserAsync();
        var source = TestImages.Gradient(96, 64);
        // What the painter sends: the source image's size, black = keep, white strokes = repaint.
        var mask = PaintedMask(96, 64);
        var upload = factory.Services.GetRequiredService<ImageUploadValidator>().Validate(mask);

        var result = await Studio.GenerateAsync(userId, Small() with
        {
            ModelId = DemoModelSet.DemoInpaintingModelId, Width = 64, Height = 64, InitImage = source, Mask = mask, Strength = 1f,
        });

        Assert.Equal((96, 64), (upload.Width, upload.Height));
        var image = Assert.Single(result.Images);
        Assert.Equal("inpaint", image.Kind);
        var stored = await Gallery.ReadAsync(userId, image.Id!.Value, withParameters: false);
        using var bitmap = TestImages.Decode(stored!.Value.Png);
        Assert.Equal((64, 64), (bitmap.Width, bitmap.Height));
        await Assert.ThrowsAsync<ImageStudioException>(() => Studio.GenerateAsync(userId, Small() with
        {
            ModelId = DemoModelSet.DemoInpaintingModelId, InitImage = source, Mask = "painted-mask.png"u8.ToArray(),
        }));
    }

    [Fact]
    public async Task GenerateAsync_WhileAnotherUsersJobRuns_ReportsTheQueuePositionThenSteps()
    {
        var first = await factory.CreateUserAsync();
        var second = await factory.CreateUserAsync();
        var running = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        // Progress runs on the engine's thread: holding it keeps the engine (one generation at a time) busy.
        var blocking = Studio.GenerateAsync(first, Small() with { Steps = 3 }, new Sync<StudioProgress>(_ =>
        {
            running.TrySetResult();
            release.Task.Wait(TimeSpan.FromSeconds(60));
        }));
        await running.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var reports = new System.Collections.Concurrent.ConcurrentQueue<StudioProgress>();
        var queued = new TaskCompletionSource();

        var waiting = Studio.GenerateAsync(second, Small(), new Sync<StudioProgress>(p =>
        {
            reports.Enqueue(p);
            if (p.JobsAhead > 0)
            {
                queued.TrySetResult();
            }
        }));
        await queued.Task.WaitAsync(TimeSpan.FromSeconds(30));
        release.SetResult();
        await blocking;
        var result = await waiting;

        Assert.Single(result.Images);
        var seen = reports.ToList();
        Assert.Equal((1, 0), (seen[0].JobsAhead, seen[0].Step));
        var firstStep = seen.FindIndex(p => p.Step > 0);
        Assert.True(firstStep > 0, "steps follow the queue report");
        Assert.All(seen.Skip(firstStep), p => Assert.Equal(0, p.JobsAhead));
        Assert.Equal(2, seen.Last().Step);
    }

    private static byte[] PaintedMask(int width, int height)
    {
        using var bitmap = new SkiaSharp.SKBitmap(width, height);
        using (var canvas = new SkiaSharp.SKCanvas(bitmap))
        {
            canvas.Clear(SkiaSharp.SKColors.Black);
            using var brush = new SkiaSharp.SKPaint { Color = SkiaSharp.SKColors.White, StrokeWidth = 12, StrokeCap = SkiaSharp.SKStrokeCap.Round, IsAntialias = true };
            canvas.DrawLine(10, 10, width - 10, height - 10, brush);
        }
        using var data = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private sealed class Sync<T>(Action<T> onReport) : IProgress<T>
    {
        public void Report(T value) => onReport(value);
    }
}
