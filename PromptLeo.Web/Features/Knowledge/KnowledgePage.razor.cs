using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using MudBlazor;
using PromptLeo.Web.Resources;

namespace PromptLeo.Web.Features.Knowledge;

public sealed partial class KnowledgePage
{
    private const int MaxFilesPerPick = 20;

    [Inject] private IKnowledgeService Knowledge { get; set; } = null!;
    [Inject] private IOptions<KnowledgeOptions> Options { get; set; } = null!;
    [Inject] private AuthenticationStateProvider Auth { get; set; } = null!;
    [Inject] private IDialogService Dialogs { get; set; } = null!;
    [Inject] private ISnackbar Snackbar { get; set; } = null!;
    [Inject] private IStringLocalizer<KnowledgeResource> T { get; set; } = null!;
    [Inject] private ILogger<KnowledgePage> Logger { get; set; } = null!;

    private string? userId;
    private IReadOnlyList<KnowledgeCollectionSummary> collections = [];
    private KnowledgeStorage? storage;
    private KnowledgeCollectionSummary? selected;
    private List<KnowledgeDocumentSummary> documents = [];
    private readonly List<(string FileName, string Message)> uploadErrors = [];
    private string? errorMessage;
    private string newName = "";
    private bool renaming;
    private string renameValue = "";
    private int uploading;
    private bool interactive;

    private KnowledgeOptions Limits => Options.Value;

    protected override async Task OnInitializedAsync()
    {
        var state = await Auth.GetAuthenticationStateAsync();
        userId = state.User.FindFirstValue(ClaimTypes.NameIdentifier);
        if (userId is null)
        {
            return;
        }
        Knowledge.DocumentChanged += OnDocumentChanged;
        storage = await Knowledge.StorageAsync(userId, Circuit);
        await RefreshCollectionsAsync();
        if (collections.Count > 0)
        {
            await SelectAsync(collections[0]);
        }
    }

    protected override void OnAfterRender(bool firstRender)
    {
        // Marks the page as wired (the circuit is up), for people's scripts and the browser tests alike.
        if (firstRender)
        {
            interactive = true;
            StateHasChanged();
        }
    }

    private async Task RefreshCollectionsAsync()
    {
        collections = await Knowledge.CollectionsAsync(userId!, Circuit);
        if (selected is not null)
        {
            selected = collections.FirstOrDefault(c => c.Id == selected.Id);
        }
    }

    private async Task SelectAsync(KnowledgeCollectionSummary collection)
    {
        selected = collection;
        renaming = false;
        uploadErrors.Clear();
        documents = [.. await Knowledge.DocumentsAsync(userId!, collection.Id, Circuit)];
    }

    private async Task OnNewNameKeyDown(KeyboardEventArgs e)
    {
        if (e.Key == "Enter")
        {
            await CreateAsync();
        }
    }

    private async Task CreateAsync()
    {
        var name = newName.Trim();
        if (name.Length == 0 || userId is null)
        {
            return;
        }
        if (await RunAsync(async () =>
            {
                var created = await Knowledge.CreateCollectionAsync(userId, name, Circuit);
                newName = "";
                await RefreshCollectionsAsync();
                await SelectAsync(collections.FirstOrDefault(c => c.Id == created.Id) ?? created);
            }))
        {
            Snackbar.Add(T["Collection \"{0}\" created.", name], Severity.Success);
        }
    }

    private void StartRename()
    {
        renameValue = selected?.Name ?? "";
        renaming = true;
    }

    private async Task RenameAsync()
    {
        var name = renameValue.Trim();
        if (name.Length == 0 || selected is null)
        {
            return;
        }
        await RunAsync(async () =>
        {
            await Knowledge.RenameCollectionAsync(userId!, selected.Id, name, Circuit);
            renaming = false;
            await RefreshCollectionsAsync();
        });
    }

    private async Task DeleteCollectionAsync()
    {
        if (selected is not { } collection)
        {
            return;
        }
        var confirmed = await Dialogs.ShowMessageBoxAsync(T["Delete collection?"],
            T["\"{0}\" and its {1} documents will be deleted for good. Chats keep their answers, but their sources can no longer be opened.", collection.Name, collection.DocumentCount],
            yesText: T["Delete"], cancelText: T["Cancel"]);
        if (confirmed != true)
        {
            return;
        }
        await RunAsync(async () =>
        {
            await Knowledge.DeleteCollectionAsync(userId!, collection.Id, Circuit);
            selected = null;
            documents = [];
            await RefreshCollectionsAsync();
            if (collections.Count > 0)
            {
                await SelectAsync(collections[0]);
            }
        });
    }

    private async Task UploadAsync(InputFileChangeEventArgs e)
    {
        if (selected is not { } collection)
        {
            return;
        }
        uploadErrors.Clear();
        if (e.FileCount > MaxFilesPerPick)
        {
            uploadErrors.Add(("", T["At most {0} files at once.", MaxFilesPerPick]));
            return;
        }
        uploading++;
        try
        {
            foreach (var file in e.GetMultipleFiles(MaxFilesPerPick))
            {
                await UploadOneAsync(collection, file);
            }
        }
        finally
        {
            uploading--;
        }
        await RefreshCollectionsAsync();
    }

    private async Task UploadOneAsync(KnowledgeCollectionSummary collection, IBrowserFile file)
    {
        // Checked here too, so a wrong or huge file is refused before its bytes cross the connection.
        if (!KnowledgeText.IsAcceptedFileName(file.Name))
        {
            uploadErrors.Add((file.Name, KnowledgeText.Error("unsupported_type", T, Limits)));
            return;
        }
        if (file.Size > Limits.MaxDocumentBytes)
        {
            uploadErrors.Add((file.Name, KnowledgeText.Error("too_large", T, Limits)));
            return;
        }
        try
        {
            // The service may read the file more than once (type sniffing), so hand it a seekable copy.
            using var buffer = new MemoryStream();
            await using (var upload = file.OpenReadStream(Limits.MaxDocumentBytes, Circuit))
            {
                await upload.CopyToAsync(buffer, Circuit);
            }
            buffer.Position = 0;
            var document = await Knowledge.UploadAsync(userId!, collection.Id, file.Name, buffer, Circuit);
            if (selected?.Id == collection.Id && documents.All(d => d.Id != document.Id))
            {
                documents.Insert(0, document);
            }
        }
        catch (KnowledgeException ex)
        {
            uploadErrors.Add((file.Name, KnowledgeText.Error(ex.Code, T, Limits)));
        }
        catch (IOException ex)
        {
            Logger.LogInformation(ex, "An upload into collection {CollectionId} broke off", collection.Id);
            uploadErrors.Add((file.Name, T["The upload broke off. Please try again."]));
        }
    }

    private async Task DeleteDocumentAsync(KnowledgeDocumentSummary document)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync(T["Delete document?"], T["\"{0}\" and its passages will be deleted for good.", document.FileName],
            yesText: T["Delete"], cancelText: T["Cancel"]);
        if (confirmed != true)
        {
            return;
        }
        await RunAsync(async () =>
        {
            await Knowledge.DeleteDocumentAsync(userId!, document.Id, Circuit);
            documents.RemoveAll(d => d.Id == document.Id);
            await RefreshCollectionsAsync();
        });
    }

    /// <summary>Runs a service call; a <see cref="KnowledgeException"/> becomes the page's error message. True when it succeeded.</summary>
    private async Task<bool> RunAsync(Func<Task> action)
    {
        errorMessage = null;
        try
        {
            await action();
            return true;
        }
        catch (KnowledgeException ex)
        {
            errorMessage = KnowledgeText.Error(ex.Code, T, Limits);
            return false;
        }
    }

    // Raised on the ingestion thread: only the signed-in user's documents of the shown collection change the page.
    private void OnDocumentChanged(string ownerId, KnowledgeDocumentSummary changed)
    {
        if (ownerId != userId)
        {
            return;
        }
        _ = InvokeAsync(async () =>
        {
            if (selected?.Id != changed.CollectionId || Circuit.IsCancellationRequested)
            {
                return;
            }
            var index = documents.FindIndex(d => d.Id == changed.Id);
            if (index >= 0)
            {
                documents[index] = changed;
            }
            else
            {
                documents.Insert(0, changed);
            }
            if (changed.Status is KnowledgeDocumentStatus.Ready or KnowledgeDocumentStatus.Failed)
            {
                try
                {
                    await RefreshCollectionsAsync();
                }
                catch (OperationCanceledException)
                {
                    return; // the page was left meanwhile
                }
            }
            StateHasChanged();
        });
    }

    private static Color StatusColor(KnowledgeDocumentStatus status) => status switch
    {
        KnowledgeDocumentStatus.Ready => Color.Success,
        KnowledgeDocumentStatus.Failed => Color.Error,
        _ => Color.Info,
    };

    protected override void OnDisposing() => Knowledge.DocumentChanged -= OnDocumentChanged;
}
