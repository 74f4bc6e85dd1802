import { billingService } from "./service.js";

// Composition root of the billing service: the only module with side effects.
await billingService.main();
