using System.IO.Compression;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Tests.Fixtures;

/// <summary>Requests a user's data export, waits for it and downloads the ZIP as that user's signed-in browser.</summary>
public static class ExportDownload
{
    public static async Task<ZipArchive> CompletedZipAsync(PortalFactory factory, HttpClient signedIn, string userId)
    {
        var exports = factory.Services.GetRequiredService<DataExportService>();
        var export = await exports.RequestAsync(userId);
        DataExport? done = null;
        for (var i = 0; i < 300 && done is null; i++)
        {
            await Task.Delay(100);
            done = (await exports.ListAsync(userId)).FirstOrDefault(e => e.Id == export.Id && e.Status == ExportStatus.Completed);
        }
        Assert.NotNull(done);
        return new ZipArchive(new MemoryStream(await signedIn.GetByteArrayAsync($"/privacy/exports/{export.Id}/download")));
    }
}
