using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using Microsoft.JSInterop;
using MudBlazor;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Models;
using PromptLeo.Web.Resources;

namespace PromptLeo.Web.Features.Images;

public sealed partial class ImagesPage
{
    [Inject] private IStringLocalizer<ImagesResource> T { get; set; } = default!;
    [Inject] private ImageStudioService Studio { get; set; } = default!;
    [Inject] private ImageGallery Gallery { get; set; } = default!;
    [Inject] private ImageModelChoices Models { get; set; } = default!;
    [Inject] private ImageUploadValidator Uploads { get; set; } = default!;
    [Inject] private IOptions<ImagesOptions> Options { get; set; } = default!;
    [Inject] private IOptions<DiffusionOptions> Engine { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private AuthenticationStateProvider Authentication { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;
    [Inject] private ILogger<ImagesPage> Logger { get; set; } = default!;

    private readonly StudioForm form = new();
    private IReadOnlyList<ImageModelChoice> diffusionModels = [];
    private IReadOnlyList<ImageModelChoice> backgroundModels = [];
    private string? backgroundModelId;
    private GalleryPage gallery = new([], 1, 1, 0);
    private IReadOnlyList<StudioImage> latest = [];
    private StudioProgress? progress;
    private string userId = "";
    private string? errorMessage;
    private string? notice;
    private bool running;
    private bool cancelling;
    private int activeTab;
    private byte[]? initImage;
    private string? initImageBase64;
    private byte[]? maskImage;
    private string? maskImageBase64;
    private CancellationTokenSource? generation;
    private IJSObjectReference? module;
    private DotNetObjectReference<ImagesPage>? self;
    private bool painterErasing;
    private int brushSize = 24;
    private bool maskPainted;
    private string? gallerySearch;
    private readonly HashSet<Guid> selected = [];

    protected override async Task OnInitializedAsync()
    {
        var state = await Authentication.GetAuthenticationStateAsync();
        userId = state.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "";
        await LoadModelsAsync();
        await LoadGalleryAsync(1);
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            module = await JS.InvokeAsync<IJSObjectReference>("import", "./Features/Images/ImagesPage.razor.js");
            if (module is not null)
            {
                await module.InvokeVoidAsync("submitOnEnter", "#image-prompt-box");
                await module.InvokeVoidAsync("enableDrops");
            }
        }
        if (module is not null && initImage is not null && CanInpaint)
        {
            // Idempotent: binds the painter to a newly rendered canvas (a new input image renders a new one).
            self ??= DotNetObjectReference.Create(this);
            await module.InvokeVoidAsync("attachPainter", PainterCanvas, "image-init-preview", "image-mask-painted", self);
        }
    }

    private const string PainterCanvas = "image-mask-canvas";

    private string SeedSwitchLabel => form.LockSeed ? T["Fixed seed: {0}", form.Seed] : T["Random seed each time"];

    private async Task LoadModelsAsync()
    {
        diffusionModels = Models.Diffusion();
        backgroundModels = Models.BackgroundRemoval();
        if (form.ModelId is null || diffusionModels.All(m => m.Id != form.ModelId))
        {
            form.ModelId = null;
            if (diffusionModels.FirstOrDefault() is { } first)
            {
                await OnModelChanged(first.Id);
            }
        }
        if (backgroundModelId is null || backgroundModels.All(m => m.Id != backgroundModelId))
        {
            backgroundModelId = backgroundModels.FirstOrDefault()?.Id;
        }
    }

    /// <summary>Takes the picked model's defaults and shows only what it can do.</summary>
    private async Task OnModelChanged(string modelId)
    {
        if (await DescribeAsync(modelId) is { } capabilities)
        {
            form.ApplyModelDefaults(modelId, capabilities);
        }
    }

    /// <summary>The model's capabilities (loading it if needed), or null with the reason shown.</summary>
    private async Task<ImageModelCapabilities?> DescribeAsync(string modelId)
    {
        try
        {
            return await Models.DescribeAsync(modelId, Circuit);
        }
        catch (Exception ex) when (ex is ModelLoadException or ModelNotFoundException or ImageRequestException)
        {
            form.SelectUndescribed(modelId);
            errorMessage = StudioErrorMessages.Describe(ex, T, Options.Value, Engine.Value)?.Value;
            return null;
        }
    }

    private ImageModelChoice? SelectedModel => diffusionModels.FirstOrDefault(m => m.Id == form.ModelId);

    // Without capabilities (the model could not be described) the manifest's pipeline class decides.
    private bool CanInpaint => form.Capabilities?.Inpainting ?? SelectedModel?.SupportsInpainting == true;

    private string ModelLabel(ImageModelChoice model) =>
        model.IsDemo ? $"{model.DisplayName.Replace(" — Demo (random weights)", "")} — {T["Demo (random weights)"]}" : model.DisplayName;

    private string SchedulerLabel(SchedulerKind kind) => SchedulerLabels.For(T, kind);

    private async Task OnPromptKeyDown(KeyboardEventArgs e)
    {
        if (e.Key == "Enter" && !e.ShiftKey)
        {
            await GenerateAsync();
        }
    }

    private async Task GenerateAsync()
    {
        if (running || form.ModelId is null)
        {
            return;
        }
        errorMessage = null;
        notice = null;
        progress = null;
        running = true;
        cancelling = false;
        generation = new CancellationTokenSource();
        var reporter = new RenderingProgress(this);
        try
        {
            var result = await Studio.GenerateAsync(userId, form.ToRequest(initImage, CanInpaint ? maskImage : null), reporter, generation.Token);
            latest = result.Images;
            if (result.Cancelled)
            {
                notice = T["Stopped. {0} finished image(s) were kept.", result.Images.Count];
            }
            else if (!result.Stored)
            {
                notice = T["Your image retention is set to 0 days: these images are shown only now and were not stored."];
            }
            else if (result.PromptTruncated)
            {
                notice = T["The prompt was longer than the model reads; the end was ignored."];
            }
            await LoadGalleryAsync(1);
        }
        catch (Exception ex)
        {
            await ShowErrorAsync(ex);
        }
        finally
        {
            running = false;
            generation.Dispose();
            generation = null;
        }
    }

    private void Cancel()
    {
        cancelling = true;
        generation?.Cancel();
    }

    private async Task ShowErrorAsync(Exception ex)
    {
        if (ex is ModelNotFoundException)
        {
            // Uninstalled while the page was open: offer what is still there.
            await LoadModelsAsync();
        }
        errorMessage = StudioErrorMessages.Describe(ex, T, Options.Value, Engine.Value)?.Value;
        if (errorMessage is null)
        {
            Logger.LogError(ex, "Image studio request failed for {UserId}", userId);
            errorMessage = T["Something went wrong. Please try again."];
        }
    }

    private async Task OnInitImageSelected(InputFileChangeEventArgs e)
    {
        errorMessage = null;
        var bytes = await ReadUploadAsync(e.File);
        if (bytes is null)
        {
            return;
        }
        SetInitImage(bytes);
    }

    private void SetInitImage(byte[] bytes)
    {
        initImage = bytes;
        initImageBase64 = Convert.ToBase64String(bytes);
    }

    private void ClearInitImage()
    {
        initImage = null;
        initImageBase64 = null;
        ClearMask();
    }

    /// <summary>An uploaded mask replaces the painted strokes.</summary>
    private async Task OnMaskSelected(InputFileChangeEventArgs e)
    {
        errorMessage = null;
        if (await ReadUploadAsync(e.File) is { } bytes)
        {
            SetMask(bytes, painted: false);
            await PainterAsync("painterClear", false);
        }
    }

    /// <summary>The painter's export (black, white strokes, the input image's size) through the same checks as an upload.</summary>
    private async Task OnPaintedMaskSelected(InputFileChangeEventArgs e)
    {
        errorMessage = null;
        var generation = paintedMaskGeneration;
        // A clear that arrived while the upload was read wins over it.
        if (await ReadUploadAsync(e.File) is { } bytes && generation == paintedMaskGeneration)
        {
            SetMask(bytes, painted: true);
        }
    }

    /// <summary>The painter has no strokes left (undo or clear): no mask, so the whole image is reworked as img2img.</summary>
    [JSInvokable]
    public void PaintedMaskCleared()
    {
        paintedMaskGeneration++;
        if (maskPainted)
        {
            ClearMask();
            StateHasChanged();
        }
    }

    private int paintedMaskGeneration;

    private void SetMask(byte[] bytes, bool painted)
    {
        maskImage = bytes;
        maskImageBase64 = Convert.ToBase64String(bytes);
        maskPainted = painted;
    }

    private void ClearMask()
    {
        maskImage = null;
        maskImageBase64 = null;
        maskPainted = false;
    }

    private async Task RemoveMaskAsync()
    {
        ClearMask();
        await PainterAsync("painterClear", false);
    }

    private async Task SetPainterModeAsync(bool erase)
    {
        painterErasing = erase;
        await PainterAsync("painterMode", erase ? "erase" : "paint");
    }

    private async Task SetBrushSizeAsync(int size)
    {
        brushSize = size;
        await PainterAsync("painterSize", size);
    }

    private Task UndoStrokeAsync() => PainterAsync("painterUndo");

    private Task ClearPainterAsync() => PainterAsync("painterClear", true);

    private async Task PainterAsync(string function, params object?[] arguments)
    {
        if (module is not null)
        {
            await module.InvokeVoidAsync(function, [PainterCanvas, .. arguments]);
        }
    }

    private async Task OnBackgroundImageSelected(InputFileChangeEventArgs e)
    {
        errorMessage = null;
        notice = null;
        if (backgroundModelId is null || await ReadUploadAsync(e.File) is not { } bytes)
        {
            return;
        }
        running = true;
        try
        {
            var result = await Studio.RemoveBackgroundAsync(userId, backgroundModelId, bytes, Circuit);
            latest = result.Images;
            notice = result.Stored ? T["Background removed. The transparent PNG is in your gallery."] : T["Background removed. Your image retention is 0 days, so it was not stored."];
            await LoadGalleryAsync(1);
        }
        catch (Exception ex)
        {
            await ShowErrorAsync(ex);
        }
        finally
        {
            running = false;
        }
    }

    /// <summary>Reads the browser file within the limit and checks it decodes as an image; shows the reason otherwise.</summary>
    private async Task<byte[]?> ReadUploadAsync(IBrowserFile file)
    {
        try
        {
            if (file.Size > Options.Value.MaxUploadBytes)
            {
                throw new ImageStudioException(StudioProblem.UploadTooLarge, "The upload is too large.");
            }
            using var buffer = new MemoryStream();
            await using (var stream = file.OpenReadStream(Options.Value.MaxUploadBytes))
            {
                await stream.CopyToAsync(buffer);
            }
            return Uploads.Validate(buffer.ToArray()).Bytes;
        }
        catch (Exception ex)
        {
            await ShowErrorAsync(ex);
            return null;
        }
    }

    private async Task LoadGalleryAsync(int page)
    {
        gallery = await Gallery.ListAsync(userId, page, Options.Value.PageSize, gallerySearch, Circuit);
    }

    private async Task SearchGalleryAsync(string? search)
    {
        gallerySearch = search;
        await LoadGalleryAsync(1);
    }

    private void ToggleSelected(Guid id, bool on)
    {
        if (on)
        {
            selected.Add(id);
        }
        else
        {
            selected.Remove(id);
        }
    }

    private string ArchiveUrl => "images/archive?" + string.Join("&", selected.Select(id => $"id={id}"));

    private async Task DeleteSelectedAsync()
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync(T["Delete {0} images?", selected.Count], T["The images and their parameters are deleted for good."],
            yesText: T["Delete"], cancelText: T["Cancel"]);
        if (confirmed != true)
        {
            return;
        }
        var deleted = 0;
        foreach (var id in selected.ToList())
        {
            deleted += await Gallery.DeleteAsync(userId, id, Circuit) ? 1 : 0;
        }
        latest = latest.Where(i => i.Id is not { } id || !selected.Contains(id)).ToList();
        selected.Clear();
        Snackbar.Add(T["{0} images deleted.", deleted], Severity.Success);
        await LoadGalleryAsync(gallery.Page);
    }

    private string Caption(GalleryItem item) =>
        item.Kind == "background-removal" ? T["Background removed"] : item.Parameters.Prompt.Length > 0 ? Shorten(item.Parameters.Prompt) : T["Generated image"];

    private static string ImageSource(StudioImage image) =>
        image.Id is { } id ? $"images/file/{id}" : $"data:image/png;base64,{Convert.ToBase64String(image.InlinePng!)}";

    private async Task OpenAsync(GalleryItem item)
    {
        var parameters = new DialogParameters<ImageLightbox> { { x => x.Item, item } };
        var options = new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true, CloseButton = true, CloseOnEscapeKey = true };
        var dialog = await Dialogs.ShowAsync<ImageLightbox>(item.Parameters.Prompt.Length > 0 ? Shorten(item.Parameters.Prompt) : T["Image"], parameters, options);
        var result = await dialog.Result;
        if (result is { Canceled: false, Data: LightboxAction action })
        {
            switch (action)
            {
                case LightboxAction.Reuse:
                    await ReuseAsync(item);
                    break;
                case LightboxAction.UseAsInput:
                    await UseAsInputAsync(item);
                    break;
                case LightboxAction.Delete:
                    await DeleteAsync(item);
                    break;
            }
        }
    }

    private async Task ReuseAsync(GalleryItem item)
    {
        form.ApplyParameters(item);
        if (diffusionModels.All(m => m.Id != item.ModelId))
        {
            await LoadModelsAsync();
        }
        else if (await DescribeAsync(item.ModelId) is { } capabilities)
        {
            form.FitTo(capabilities);
        }
        activeTab = 0;
        Snackbar.Add(T["The form now holds this image's parameters."], Severity.Info);
    }

    private async Task UseAsInputAsync(GalleryItem item)
    {
        if (await Gallery.ReadAsync(userId, item.Id, withParameters: false, Circuit) is { } file)
        {
            SetInitImage(file.Png);
            activeTab = 0;
            Snackbar.Add(T["The image is now the img2img input."], Severity.Info);
        }
    }

    private async Task DeleteAsync(GalleryItem item)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync(T["Delete image?"], T["The image and its parameters are deleted for good."], yesText: T["Delete"], cancelText: T["Cancel"]);
        if (confirmed != true)
        {
            return;
        }
        if (await Gallery.DeleteAsync(userId, item.Id, Circuit))
        {
            selected.Remove(item.Id);
            latest = latest.Where(i => i.Id != item.Id).ToList();
            Snackbar.Add(T["Image deleted."], Severity.Success);
        }
        await LoadGalleryAsync(gallery.Page);
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "…";

    public async ValueTask DisposeAsync()
    {
        // A closed tab stops the generation.
        generation?.Cancel();
        Dispose();
        self?.Dispose();
        if (module is not null)
        {
            try
            {
                await module.DisposeAsync();
            }
            catch (JSDisconnectedException)
            {
                // The circuit is gone; nothing to release in the browser.
            }
        }
    }

    /// <summary>Re-renders on the circuit for each step the engine reports.</summary>
    private sealed class RenderingProgress(ImagesPage page) : IProgress<StudioProgress>
    {
        public void Report(StudioProgress value) => _ = RenderAsync(value);

        // Observed: a render posted after the circuit is gone must not surface as an unobserved task exception.
        private async Task RenderAsync(StudioProgress value)
        {
            try
            {
                await page.InvokeAsync(() =>
                {
                    page.progress = value;
                    page.StateHasChanged();
                });
            }
            catch (Exception ex)
            {
                page.Logger.LogDebug(ex, "A progress update could not be rendered; the page is gone");
            }
        }
    }
}
