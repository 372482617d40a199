// O365 audit pipeline: everything the Functions app needs in one resource group.
//   az deployment group create -g <rg> -n main -f infra/main.bicep \
//     -p o365TenantId=<tenant guid> o365ClientId=<app registration client id>
// (main.parameters.json is azd's: it reads azd environment values.)
// See docs/deploy.md. The parameters named after a product setting (O365_*) have exactly the
// defaults of shared/settings.ts; tools/bicep/check.ts and test/infra keep them in step.
// No secret value ever passes through this template: secrets live in Key Vault and the app
// settings hold Key Vault references (resolved with the user-assigned identity) or nothing.

targetScope = 'resourceGroup'

// ---------------------------------------------------------------------------------------------
// Deployment shape
// ---------------------------------------------------------------------------------------------

@description('Short name used to derive resource names (lowercase letters, digits, hyphens).')
@minLength(2)
@maxLength(16)
param baseName string = 'o365audit'

@description('Azure region of every resource (must offer Flex Consumption).')
param location string = resourceGroup().location

@description('Tags applied to every resource.')
param tags object = {}

@description('Function app name (globally unique).')
param appName string = 'func-${baseName}-${take(uniqueString(resourceGroup().id, baseName), 8)}'

@description('Memory per Flex Consumption instance in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Maximum number of Flex Consumption instances: 40 (the lowest maximum the platform allows) to 1000.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Storage replication SKU.')
@allowed(['Standard_LRS', 'Standard_ZRS', 'Standard_GRS', 'Standard_GZRS', 'Standard_RAGRS', 'Standard_RAGZRS'])
param storageSkuName string = 'Standard_LRS'

@description('Container the Flex plan deploys the app package from.')
param deploymentContainerName string = 'app-package'

@description('Key Vault name (3-24 characters, globally unique). Set another name when a deleted vault of the default name is still soft-deleted (docs/deploy.md "Key Vault name").')
@minLength(3)
@maxLength(24)
param keyVaultName string = take('kv-${take(toLower(replace(baseName, '-', '')), 8)}-${uniqueString(subscription().id, resourceGroup().id, baseName)}', 24)

// ---------------------------------------------------------------------------------------------
// Protection of the delivered output, logs, network (docs/deploy.md)
// ---------------------------------------------------------------------------------------------

@description('Days a deleted or overwritten blob stays recoverable (blob soft delete, every container of the account); 0 disables it.')
@minValue(0)
@maxValue(365)
param blobSoftDeleteDays int = 7

@description('Days a deleted container stays recoverable; 0 disables it.')
@minValue(0)
@maxValue(365)
param containerSoftDeleteDays int = 7

@description('Blob versioning (every container of the account): an overwritten or deleted output blob keeps its previous version, which the app\'s role cannot delete.')
param blobVersioning bool = true

@description('Time-based retention (WORM) of the output container in days; 0 = none. Off by default: read docs/deploy.md first.')
@minValue(0)
@maxValue(146000)
param outputImmutabilityDays int = 0

@description('Log storage read operations too (StorageRead, the bulk of the log volume); writes and deletes are always logged.')
param logStorageReads bool = true

@description('Private endpoints for storage (blob, queue, table) and Key Vault, public network access off on both, and VNet integration of the app. Off by default: see docs/deploy.md "Private networking".')
param privateNetworking bool = false

@description('Address space of the virtual network (privateNetworking only).')
param vnetAddressPrefix string = '10.90.0.0/16'

@description('Subnet of the app\'s VNet integration, delegated to Microsoft.App/environments (privateNetworking only).')
param appSubnetPrefix string = '10.90.0.0/24'

@description('Subnet of the private endpoints (privateNetworking only).')
param endpointSubnetPrefix string = '10.90.1.0/27'

// ---------------------------------------------------------------------------------------------
// Credentials towards the Office 365 Management API
// ---------------------------------------------------------------------------------------------

@description('secret: client secret from Key Vault; certificate: PEM (key + cert) from Key Vault; federated: no secret, the user-assigned identity\'s token is the client assertion.')
@allowed(['secret', 'certificate', 'federated'])
param authMode string = 'secret'

@description('Key Vault secret holding the client secret (authMode = secret).')
param clientSecretName string = 'o365-client-secret'

@description('Key Vault secret holding the PEM private key + certificate (authMode = certificate).')
param certificateSecretName string = 'o365-certificate'

@description('Key Vault secret holding the passphrase of an encrypted PEM key; empty = key not encrypted.')
param certificatePasswordSecretName string = ''

@description('Key Vault secret holding the HMAC key for O365_MASK_STYLE = hash; empty = none.')
param maskHashKeySecretName string = ''

@description('Key Vault secret holding the expected Webhook-AuthID; empty = no webhook auth id.')
param webhookAuthIdSecretName string = ''

@description('Key Vault secret holding the proxy URL (may carry credentials); empty = no proxy.')
param httpsProxySecretName string = ''

@description('Key Vault secret holding the HMAC key (at least 32 characters) that signs admin-consent links (O365_CONSENT_SIGNING_KEY); empty = onboarding by consent off. See docs/multi-tenant.md.')
param consentSigningKeySecretName string = ''

// ---------------------------------------------------------------------------------------------
// Product settings (same names and defaults as shared/settings.ts)
// ---------------------------------------------------------------------------------------------

@description('O365_TENANT_ID: Entra tenant GUID whose audit logs are collected.')
param o365TenantId string

@description('O365_CLIENT_ID: client (application) id of the app registration.')
param o365ClientId string

@description('O365_CERTIFICATE_PATH: path of a PEM file (normally empty in Azure; use the Key Vault certificate).')
param o365CertificatePath string = ''

@description('O365_CLOUD: commercial | gcc | gcchigh | dod | china.')
@allowed(['commercial', 'gcc', 'gcchigh', 'dod', 'china'])
param o365Cloud string = 'commercial'

@description('O365_API_ROOT: override of the API root (https origin).')
param o365ApiRoot string = ''

@description('O365_LOGIN_AUTHORITY: override of the login host (https origin).')
param o365LoginAuthority string = ''

@description('O365_PUBLISHER_ID: PublisherIdentifier; empty = the tenant id.')
param o365PublisherId string = ''

@description('O365_CONTENT_TYPES: content types to collect (CSV).')
param o365ContentTypes string = 'Audit.AzureActiveDirectory,Audit.Exchange,Audit.SharePoint,Audit.General,DLP.All'

@description('O365_AUTO_SUBSCRIBE: start missing or disabled subscriptions.')
@allowed(['true', 'false'])
param o365AutoSubscribe string = 'true'

@description('O365_ENUMERATE_SCHEDULE: NCRONTAB schedule of the enumerator (UTC).')
param o365EnumerateSchedule string = '0 */5 * * * *'

@description('O365_ENUMERATE_BUDGET_SECONDS: time budget of one enumerator run, 10-1500.')
param o365EnumerateBudgetSeconds string = '240'

@description('O365_INITIAL_LOOKBACK_HOURS: first-run look-back, 1-167.')
param o365InitialLookbackHours string = '8'

@description('O365_WINDOW_MINUTES: listing window size, 1-1440.')
param o365WindowMinutes string = '240'

@description('O365_PADDING_MINUTES: trailing re-list of recent windows, 0-1440.')
param o365PaddingMinutes string = '60'

@description('O365_MAX_CONTENT_PER_RUN: content blobs enqueued per content type per run.')
param o365MaxContentPerRun string = '500'

@description('O365_MAX_REQUESTS_PER_MINUTE: client-side request budget per tenant.')
param o365MaxRequestsPerMinute string = '1500'

@description('O365_FILTER_OPERATIONS: operations to filter (CSV).')
param o365FilterOperations string = ''

@description('O365_FILTER_STATUSES: ResultStatus values to filter (CSV).')
param o365FilterStatuses string = ''

@description('O365_FILTER_POLICIES: DLP policy names to filter (CSV).')
param o365FilterPolicies string = ''

@description('O365_FILTER_MODE: exclude | include.')
@allowed(['exclude', 'include'])
param o365FilterMode string = 'exclude'

@description('O365_MASK_FINDINGS: mask DLP sensitive findings.')
@allowed(['true', 'false'])
param o365MaskFindings string = 'true'

@description('O365_MASK_STYLE: redact | partial | hash (hash needs maskHashKeySecretName).')
@allowed(['redact', 'partial', 'hash'])
param o365MaskStyle string = 'redact'

@description('O365_ENTITY_KEYS: Audit.General entity types that become additional events (CSV).')
param o365EntityKeys string = ''

@description('O365_PRODUCT_FIELD: record field that fills product.')
param o365ProductField string = 'Workload'

@description('O365_EVENT_FIELD: record field that fills eventName.')
param o365EventField string = 'Operation'

@description('O365_ENVIRONMENT_FIELD: record field that fills environment.')
param o365EnvironmentField string = ''

@description('O365_ENVIRONMENT_REGEX: regex applied to the environment field.')
param o365EnvironmentRegex string = '.*'

@description('O365_DEFAULT_ENVIRONMENT: environment when the field is missing or does not match.')
param o365DefaultEnvironment string = 'default'

@description('O365_QUEUE_NAME: content queue (the poison queue is <name>-poison).')
@minLength(3)
@maxLength(56)
param o365QueueName string = 'o365-content'

@description('O365_CHECKPOINT_TABLE: checkpoint table.')
param o365CheckpointTable string = 'o365checkpoints'

@description('O365_LEDGER_TABLE: ledger table.')
param o365LedgerTable string = 'o365ledger'

@description('O365_EVENT_ID_TABLE: event-Id claim table (cross-blob dedupe, rows kept 10 days).')
param o365EventIdTable string = 'o365eventids'

@description('O365_TENANT_TABLE: tenant registry (tenants onboarded by admin consent or tenants add).')
param o365TenantTable string = 'o365tenants'

@description('O365_OUTPUT_CONTAINER: output container.')
param o365OutputContainer string = 'o365-events'

@description('O365_OUTPUT_CONNECTION: connection setting (prefix) of the output storage.')
param o365OutputConnection string = 'AzureWebJobsStorage'

@description('O365_VERIFY_TLS: verify TLS certificates. Only true can be deployed: switching verification off is for local tests against a simulator.')
@allowed(['true'])
param o365VerifyTls string = 'true'

@description('NO_PROXY: hosts that bypass the proxy (CSV).')
param noProxy string = ''

// ---------------------------------------------------------------------------------------------
// Alerts
// ---------------------------------------------------------------------------------------------

@description('E-mail address notified by the alerts; empty = alert rules without notification.')
param alertEmail string = ''

@description('Failed invocations in 15 minutes above which the failure alert fires.')
param alertFailureThreshold int = 5

@description('Enumerator lag (minutes) above which the lag alert fires.')
param alertLagThresholdMinutes int = 120

@description('Minutes without an enumerate.summary line before the enumerator counts as silent; keep it above the timer interval.')
@allowed([30, 60, 120, 360, 1440])
param alertSilenceMinutes int = 30

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

var token = uniqueString(subscription().id, resourceGroup().id, baseName)
var compactBase = toLower(replace(baseName, '-', ''))
var identityName = 'id-${baseName}-${take(token, 8)}'
var storageAccountName = take('st${take(compactBase, 9)}${token}', 24)
var planName = 'plan-${baseName}-${take(token, 8)}'
var workspaceName = 'log-${baseName}-${take(token, 8)}'
var appInsightsName = 'appi-${baseName}-${take(token, 8)}'
var storageSuffix = environment().suffixes.storage

// ---------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: identityName
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    workspaceId: monitoring.outputs.workspaceId
    blobSoftDeleteDays: blobSoftDeleteDays
    containerSoftDeleteDays: containerSoftDeleteDays
    blobVersioning: blobVersioning
    outputImmutabilityDays: outputImmutabilityDays
    logStorageReads: logStorageReads
    privateNetworking: privateNetworking
    name: storageAccountName
    location: location
    tags: tags
    skuName: storageSkuName
    queueName: o365QueueName
    checkpointTableName: o365CheckpointTable
    ledgerTableName: o365LedgerTable
    eventIdTableName: o365EventIdTable
    tenantTableName: o365TenantTable
    outputContainerName: o365OutputContainer
    deploymentContainerName: deploymentContainerName
  }
}

module vault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: keyVaultName
    location: location
    tags: tags
    workspaceId: monitoring.outputs.workspaceId
    privateNetworking: privateNetworking
  }
}

module network 'modules/network.bicep' = if (privateNetworking) {
  name: 'network'
  params: {
    namePrefix: '${baseName}-${take(token, 8)}'
    location: location
    tags: tags
    addressPrefix: vnetAddressPrefix
    appSubnetPrefix: appSubnetPrefix
    endpointSubnetPrefix: endpointSubnetPrefix
    storageAccountId: storage.outputs.id
    keyVaultId: vault.outputs.id
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    workspaceName: workspaceName
    appInsightsName: appInsightsName
    location: location
    tags: tags
  }
}

module rbac 'modules/rbac.bicep' = {
  name: 'rbac'
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    outputContainerName: storage.outputs.outputContainerName
    deploymentContainerName: storage.outputs.deploymentContainerName
    queueName: storage.outputs.queueName
    keyVaultName: vault.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
  }
}

// Every key of shared/settings.ts except AzureWebJobsStorage (replaced by the identity-based
// AzureWebJobsStorage__* settings), plus the host settings. Secret settings are Key Vault
// references or empty, never values.
var appSettings = {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.outputs.clientId
  AzureWebJobsStorage__blobServiceUri: 'https://${storageAccountName}.blob.${storageSuffix}'
  AzureWebJobsStorage__queueServiceUri: 'https://${storageAccountName}.queue.${storageSuffix}'
  AzureWebJobsStorage__tableServiceUri: 'https://${storageAccountName}.table.${storageSuffix}'
  AZURE_CLIENT_ID: identity.outputs.clientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.outputs.clientId};Authorization=AAD'

  O365_TENANT_ID: o365TenantId
  O365_CLIENT_ID: o365ClientId
  O365_AUTH_MODE: authMode
  O365_CLIENT_SECRET: authMode == 'secret' ? '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${clientSecretName})' : ''
  O365_CERTIFICATE_PATH: o365CertificatePath
  O365_CERTIFICATE_PEM: authMode == 'certificate' ? '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${certificateSecretName})' : ''
  O365_CERTIFICATE_PASSWORD: authMode == 'certificate' && !empty(certificatePasswordSecretName) ? '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${certificatePasswordSecretName})' : ''
  O365_FEDERATED_IDENTITY_CLIENT_ID: authMode == 'federated' ? identity.outputs.clientId : ''
  // Delegated (refresh token) sign-in is a local/CLI mode; a deployed collector uses an app identity.
  O365_REFRESH_TOKEN: ''
  O365_CLOUD: o365Cloud
  O365_API_ROOT: o365ApiRoot
  O365_LOGIN_AUTHORITY: o365LoginAuthority
  O365_PUBLISHER_ID: o365PublisherId
  O365_CONTENT_TYPES: o365ContentTypes
  O365_AUTO_SUBSCRIBE: o365AutoSubscribe
  O365_ENUMERATE_SCHEDULE: o365EnumerateSchedule
  O365_ENUMERATE_BUDGET_SECONDS: o365EnumerateBudgetSeconds
  O365_INITIAL_LOOKBACK_HOURS: o365InitialLookbackHours
  O365_WINDOW_MINUTES: o365WindowMinutes
  O365_PADDING_MINUTES: o365PaddingMinutes
  O365_MAX_CONTENT_PER_RUN: o365MaxContentPerRun
  O365_MAX_REQUESTS_PER_MINUTE: o365MaxRequestsPerMinute
  O365_FILTER_OPERATIONS: o365FilterOperations
  O365_FILTER_STATUSES: o365FilterStatuses
  O365_FILTER_POLICIES: o365FilterPolicies
  O365_FILTER_MODE: o365FilterMode
  O365_MASK_FINDINGS: o365MaskFindings
  O365_MASK_STYLE: o365MaskStyle
  O365_MASK_HASH_KEY: empty(maskHashKeySecretName) ? '' : '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${maskHashKeySecretName})'
  O365_ENTITY_KEYS: o365EntityKeys
  O365_PRODUCT_FIELD: o365ProductField
  O365_EVENT_FIELD: o365EventField
  O365_ENVIRONMENT_FIELD: o365EnvironmentField
  O365_ENVIRONMENT_REGEX: o365EnvironmentRegex
  O365_DEFAULT_ENVIRONMENT: o365DefaultEnvironment
  O365_QUEUE_NAME: o365QueueName
  O365_CHECKPOINT_TABLE: o365CheckpointTable
  O365_LEDGER_TABLE: o365LedgerTable
  O365_EVENT_ID_TABLE: o365EventIdTable
  O365_TENANT_TABLE: o365TenantTable
  O365_OUTPUT_CONTAINER: o365OutputContainer
  O365_OUTPUT_CONNECTION: o365OutputConnection
  O365_WEBHOOK_AUTH_ID: empty(webhookAuthIdSecretName) ? '' : '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${webhookAuthIdSecretName})'
  O365_CONSENT_SIGNING_KEY: empty(consentSigningKeySecretName) ? '' : '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${consentSigningKeySecretName})'
  O365_VERIFY_TLS: o365VerifyTls
  HTTPS_PROXY: empty(httpsProxySecretName) ? '' : '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${httpsProxySecretName})'
  NO_PROXY: noProxy
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    name: appName
    planName: planName
    location: location
    tags: tags
    appTags: {
      'azd-service-name': 'api'
    }
    identityId: identity.outputs.id
    blobEndpoint: 'https://${storageAccountName}.blob.${storageSuffix}/'
    deploymentContainerName: storage.outputs.deploymentContainerName
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    appSettings: appSettings
    workspaceId: monitoring.outputs.workspaceId
    subnetId: privateNetworking ? network.outputs.appSubnetId : ''
  }
  // The host must start with its roles in place (blob locks, queue trigger, Key Vault references)
  // and, with private networking, with the private endpoints and DNS zones in place.
  dependsOn: [
    rbac
    network
  ]
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    namePrefix: baseName
    location: location
    tags: tags
    appInsightsId: monitoring.outputs.appInsightsId
    poisonQueueName: storage.outputs.poisonQueueName
    alertEmail: alertEmail
    failureThreshold: alertFailureThreshold
    lagThresholdMinutes: alertLagThresholdMinutes
    silenceMinutes: alertSilenceMinutes
  }
}

// ---------------------------------------------------------------------------------------------
// Outputs (no keys, no connection strings with credentials)
// ---------------------------------------------------------------------------------------------

output appName string = functionApp.outputs.name
// The app's host name as the platform assigned it: new apps may get
// <app>-<hash>.<region>.azurewebsites.net instead of <app>.azurewebsites.net.
output appHostName string = functionApp.outputs.defaultHostName
output storageAccountName string = storage.outputs.name
output outputContainerUrl string = '${storage.outputs.blobEndpoint}${storage.outputs.outputContainerName}'
output keyVaultName string = vault.outputs.name
output identityClientId string = identity.outputs.clientId
output identityPrincipalId string = identity.outputs.principalId
output identityResourceId string = identity.outputs.id
output authMode string = authMode
