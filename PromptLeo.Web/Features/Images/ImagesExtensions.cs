using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using PromptLeo.Web.Features.Hosting;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Web.Features.Images;

public static class ImagesExtensions
{
    /// <summary>The image studio's services and its <c>Images</c> options.</summary>
    public static IHostApplicationBuilder AddPromptLeoImages(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ImagesOptions>().BindConfiguration(ImagesOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ImageUploadValidator>();
        services.AddSingleton<ImageStudioService>();
        services.AddSingleton<ImageGallery>();
        services.AddSingleton<IExportContributor, ImagesExportContributor>();
        services.AddSingleton<IErasureParticipant, ImagesErasureParticipant>();
        services.AddSingleton<IRetentionParticipant, ImagesRetentionParticipant>();
        services.AddSingleton<ImageModelChoices>();
        return builder;
    }

    /// <summary><c>GET /images/file/{id}</c>: the owner's decrypted image; anyone else gets 404, as for an unknown id.</summary>
    public static IEndpointRouteBuilder MapPromptLeoImages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/images/file/{id:guid}", GetFileAsync).RequireAuthorization().WithName("GetImageFile");
        app.MapGet("/images/archive", GetArchiveAsync).RequireAuthorization().WithName("GetImageArchive");
        return app;
    }

    internal static async Task<Results<FileContentHttpResult, NotFound>> GetFileAsync(
        Guid id, [FromQuery] int? download, [FromQuery] int? parameters, ClaimsPrincipal user, ImageGallery gallery, HttpContext http, CancellationToken cancellationToken)
    {
        var userId = user.FindFirstValue(ClaimTypes.NameIdentifier);
        http.Response.NoStore();
        http.Response.Headers.XContentTypeOptions = "nosniff";
        if (userId is null || await gallery.ReadAsync(userId, id, parameters == 1, cancellationToken) is not { } file)
        {
            return TypedResults.NotFound();
        }
        return download == 1
            ? TypedResults.File(file.Png, "image/png", file.Item.FileName)
            : TypedResults.File(file.Png, "image/png");
    }

    /// <summary><c>GET /images/archive?id=..&amp;id=..</c>: a ZIP of the owner's selected images; any id not the caller's image gives 404.</summary>
    internal static async Task<Results<FileContentHttpResult, NotFound, BadRequest<string>>> GetArchiveAsync(
        [FromQuery(Name = "id")] Guid[]? ids, ClaimsPrincipal user, ImageGallery gallery, HttpContext http, CancellationToken cancellationToken)
    {
        var userId = user.FindFirstValue(ClaimTypes.NameIdentifier);
        http.Response.NoStore();
        http.Response.Headers.XContentTypeOptions = "nosniff";
        if (ids is not { Length: > 0 } || ids.Length > ImageGallery.MaxArchiveImages)
        {
            return TypedResults.BadRequest($"Select between 1 and {ImageGallery.MaxArchiveImages} images.");
        }
        if (userId is null || await gallery.ArchiveAsync(userId, ids, cancellationToken) is not { } zip)
        {
            return TypedResults.NotFound();
        }
        return TypedResults.File(zip, "application/zip", $"promptleo-images-{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}.zip");
    }
}
