using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PromptLeo.Tests.Web.Content;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Tests.Web.Privacy;

/// <summary>A round of the export worker that fails outright (its database write fails) neither stops the host nor the worker.</summary>
public sealed class ExportWorkerRoundTests(StorageFaultPortal portal) : IClassFixture<StorageFaultPortal>
{
    [Fact]
    public async Task ExportWorker_RoundFailsBeforeTheExportStarts_HostKeepsRunningAndNextExportCompletes()
    {
        var exports = portal.Services.GetRequiredService<DataExportService>();
        var lifetime = portal.Services.GetRequiredService<IHostApplicationLifetime>();
        var first = await portal.CreateUserAsync();
        var second = await portal.CreateUserAsync();

        // Marking the export as running is the worker's first write; it fails, so the round throws.
        portal.Database.FailCommandsContaining = "UPDATE \"DataExports\"";
        try
        {
            await exports.RequestAsync(first);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (Volatile.Read(ref portal.Database.FailedCommands) == 0 && DateTime.UtcNow < deadline)
                await Task.Delay(50);
            Assert.True(portal.Database.FailedCommands > 0, "the worker never ran the first export");
            // Give a stopping host the moment it would need to react.
            await Task.Delay(500);
        }
        finally
        {
            portal.Database.FailCommandsContaining = null;
        }

        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested, "a failed round stopped the host");
        var next = await exports.RequestAsync(second);
        var finish = DateTime.UtcNow.AddSeconds(60);
        DataExport? done = null;
        while (DateTime.UtcNow < finish && done is not { Status: ExportStatus.Completed or ExportStatus.Failed })
        {
            await Task.Delay(100);
            done = (await exports.ListAsync(second)).Single(e => e.Id == next.Id);
        }
        Assert.Equal(ExportStatus.Completed, done?.Status);
        Assert.Equal(ExportStatus.Queued, (await exports.ListAsync(first)).Single().Status);
        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested);
    }
}
