// Storage account of the app: Functions host storage (AzureWebJobsStorage: containers
// azure-webjobs-hosts and azure-webjobs-secrets, created here so that roles can be scoped to them),
// the content queue and its poison queue, the checkpoint, ledger, event-Id claim and tenant registry
// tables, the output container and the Flex deployment package container. Shared-key access is disabled: every
// client authenticates with Entra ID. Nothing here outputs a key or a connection string.
//
// Protection of the delivered output (docs/deploy.md "Protecting the delivered output"): blob soft
// delete and versioning are properties of the blob service, so they apply to every container of the
// account, not to the output container alone; the optional time-based retention (WORM) policy is set
// on the output container only. Resource logs of the blob, queue and table services go to the Log
// Analytics workspace.

@description('Storage account name (3-24 lowercase letters and digits, globally unique).')
param name string

@description('Azure region.')
param location string

@description('Tags applied to the account.')
param tags object = {}

@description('Replication SKU.')
@allowed(['Standard_LRS', 'Standard_ZRS', 'Standard_GRS', 'Standard_GZRS', 'Standard_RAGRS', 'Standard_RAGZRS'])
param skuName string = 'Standard_LRS'

@description('Content queue name (O365_QUEUE_NAME); the poison queue is "<name>-poison".')
param queueName string

@description('Checkpoint table name (O365_CHECKPOINT_TABLE).')
param checkpointTableName string

@description('Ledger table name (O365_LEDGER_TABLE).')
param ledgerTableName string

@description('Event-Id claim table name (O365_EVENT_ID_TABLE).')
param eventIdTableName string

@description('Tenant registry table name (O365_TENANT_TABLE).')
param tenantTableName string

@description('Output container name (O365_OUTPUT_CONTAINER).')
param outputContainerName string

@description('Container the Flex Consumption plan deploys the app package from.')
param deploymentContainerName string

@description('Days a deleted or overwritten blob stays recoverable (blob soft delete; 0 disables it). Applies to every container of the account.')
@minValue(0)
@maxValue(365)
param blobSoftDeleteDays int = 7

@description('Days a deleted container stays recoverable (container soft delete; 0 disables it).')
@minValue(0)
@maxValue(365)
param containerSoftDeleteDays int = 7

@description('Blob versioning: every overwrite or delete keeps the previous version. Applies to every container of the account.')
param blobVersioning bool = true

@description('Days after which previous versions in the host and deployment containers are deleted (they change on every timer run and deployment). Versions in the output container are kept.')
@minValue(1)
param hostVersionRetentionDays int = 7

@description('Time-based retention (WORM) of the output container in days; 0 = no immutability policy. The template creates the policy unlocked; see docs/deploy.md before locking it.')
@minValue(0)
@maxValue(146000)
param outputImmutabilityDays int = 0

@description('Resource id of the Log Analytics workspace receiving the storage resource logs.')
param workspaceId string

@description('Also log read operations (StorageRead). Writes and deletes are always logged.')
param logStorageReads bool = true

@description('Private networking: public network access disabled; reachable only through private endpoints.')
param privateNetworking bool = false

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    supportsHttpsTrafficOnly: true
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: privateNetworking ? 'Deny' : 'Allow'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    isVersioningEnabled: blobVersioning
    deleteRetentionPolicy: {
      enabled: blobSoftDeleteDays > 0
      days: blobSoftDeleteDays > 0 ? blobSoftDeleteDays : null
    }
    containerDeleteRetentionPolicy: {
      enabled: containerSoftDeleteDays > 0
      days: containerSoftDeleteDays > 0 ? containerSoftDeleteDays : null
    }
  }
}

resource outputContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: outputContainerName
  properties: {
    publicAccess: 'None'
  }
}

// Container-level time-based retention: while a blob is younger than the period it can be neither
// overwritten nor deleted, by anyone. Created unlocked (an Owner can still remove it); locking it
// is a separate, irreversible operator step (docs/deploy.md).
resource outputImmutability 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies@2023-05-01' = if (outputImmutabilityDays > 0) {
  parent: outputContainer
  name: 'default'
  properties: {
    immutabilityPeriodSinceCreationInDays: outputImmutabilityDays
    allowProtectedAppendWrites: false
  }
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

// The Functions host's own containers (AzureWebJobsStorage), fixed names chosen by the host: timer
// schedule status and locks, the host id lease (azure-webjobs-hosts) and the function keys
// (azure-webjobs-secrets). Created here, before the host would create them, so that its role can
// be scoped to them.
resource hostsContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: 'azure-webjobs-hosts'
  properties: {
    publicAccess: 'None'
  }
}

resource secretsContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: 'azure-webjobs-secrets'
  properties: {
    publicAccess: 'None'
  }
}

// Versioning keeps a version per overwrite; the host rewrites its timer status blob on every run and
// each deployment replaces the package, so their previous versions are deleted after a week. The
// output container has no rule: its previous versions are the protection.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = if (blobVersioning) {
  parent: storage
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'host-and-package-versions'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: ['blockBlob']
              prefixMatch: ['azure-webjobs-hosts/', 'azure-webjobs-secrets/', '${deploymentContainerName}/']
            }
            actions: {
              version: {
                delete: {
                  daysAfterCreationGreaterThan: hostVersionRetentionDays
                }
              }
            }
          }
        }
      ]
    }
  }
  dependsOn: [
    blobService
  ]
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource contentQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: queueName
}

// Created up front (the host would create it on the first poison message) so that `status`, the
// replay command and operators can read its depth from day one, and so that the app's queue role
// can be scoped to it.
resource poisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: '${queueName}-poison'
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource checkpointTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = {
  parent: tableService
  name: checkpointTableName
}

resource ledgerTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = {
  parent: tableService
  name: ledgerTableName
}

resource eventIdTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = {
  parent: tableService
  name: eventIdTableName
}

resource tenantTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = {
  parent: tableService
  name: tenantTableName
}

// Resource logs (Azure Monitor "Storage" categories) of each service: who read, wrote or deleted
// what, with the caller's identity. Read logging is the bulk of the volume (every queue poll is a
// read); `logStorageReads=false` keeps writes and deletes only.
var storageLogs = [
  {
    category: 'StorageRead'
    enabled: logStorageReads
  }
  {
    category: 'StorageWrite'
    enabled: true
  }
  {
    category: 'StorageDelete'
    enabled: true
  }
]

resource blobDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: blobService
  properties: {
    workspaceId: workspaceId
    logs: storageLogs
  }
}

resource queueDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: queueService
  properties: {
    workspaceId: workspaceId
    logs: storageLogs
  }
}

resource tableDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: tableService
  properties: {
    workspaceId: workspaceId
    logs: storageLogs
  }
}

output id string = storage.id
output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output queueEndpoint string = storage.properties.primaryEndpoints.queue
output tableEndpoint string = storage.properties.primaryEndpoints.table
output outputContainerName string = outputContainer.name
output deploymentContainerName string = deploymentContainer.name
output queueName string = contentQueue.name
output poisonQueueName string = poisonQueue.name
