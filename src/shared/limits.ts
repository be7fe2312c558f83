// Every bound of the system in one place, units last in the name (TIGER_STYLE "put a limit on everything").
// Changing a limit here changes it for the hub, the kiosk and the tests alike.

// Money (integer minor units; JPY has none below the yen).
export const amountMinorMax = 1_000_000_000_000;

// Holds.
export const holdLifetimeSecondsMax = 31_536_000;
export const holdSettlementsMax = 50;
export const holdRulesMax = 16;
export const holdEventsMax = 200;
export const holdReferenceLengthMax = 256;
export const holdCategoryLengthMax = 64;
export const eventTypeLengthMax = 64;
export const escrowReturnWindowSecondsMax = 7_776_000;

// HTTP.
export const requestBodyBytesMax = 65_536;
export const idempotencyKeyLengthMax = 255;
export const idempotencyRetentionSeconds = 48 * 3600;
export const listLimitDefault = 50;
export const listLimitMax = 500;
export const nameLengthMax = 200;
export const idLengthMax = 64;
export const eventTypesPerClientMax = 32;
export const blockedCategoriesMax = 64;

// Hub internals.
export const writeBatchJobsMax = 256;
export const expirySweepBatchMax = 500;
export const expirySweepIntervalMs = 500;
export const accountDailyWindowSeconds = 86_400;

// Liveness.
export const padImageSideMinPixels = 32;
export const padImageSideMaxPixels = 8192;
export const padResizeSideMaxPixels = 256;
export const padLbpPointsMax = 16;
export const padLbpRadiusMaxPixels = 4;
export const padModelBytesMax = 4_194_304;
export const padModelFeaturesMax = 20_000;
export const padEvalImagesMax = 20_000;
export const padEvalImageBytesMax = 33_554_432;
export const padEvalFramesPerVideoMax = 64;
