/**
 * The works the models, training and evaluation implement (each is also cited in a comment above
 * the code that implements it). The discussion cites them as [@key]; the report lists them all.
 */
export interface Reference {
  readonly key: string;
  /** How the text cites it: "Miyato et al. 2018". */
  readonly short: string;
  readonly full: string;
}

export const REFERENCES: readonly Reference[] = [
  {
    key: 'krizhevsky2009',
    short: 'Krizhevsky 2009',
    full: 'A. Krizhevsky. Learning Multiple Layers of Features from Tiny Images. Tech. report, University of Toronto, 2009 (CIFAR-10).',
  },
  { key: 'goodfellow2014', short: 'Goodfellow et al. 2014', full: 'I. Goodfellow et al. Generative Adversarial Nets. NeurIPS 2014.' },
  {
    key: 'radford2015',
    short: 'Radford et al. 2015',
    full: 'A. Radford, L. Metz, S. Chintala. Unsupervised Representation Learning with Deep Convolutional Generative Adversarial Networks. arXiv:1511.06434, 2015 (DCGAN).',
  },
  {
    key: 'miyato2018',
    short: 'Miyato et al. 2018',
    full: 'T. Miyato, T. Kataoka, M. Koyama, Y. Yoshida. Spectral Normalization for Generative Adversarial Networks. ICLR 2018.',
  },
  { key: 'miyato2018cgan', short: 'Miyato & Koyama 2018', full: 'T. Miyato, M. Koyama. cGANs with Projection Discriminator. ICLR 2018.' },
  {
    key: 'devries2017',
    short: 'de Vries et al. 2017',
    full: 'H. de Vries et al. Modulating Early Visual Processing by Language. NeurIPS 2017 (conditional batch norm).',
  },
  {
    key: 'brock2019',
    short: 'Brock et al. 2019',
    full: 'A. Brock, J. Donahue, K. Simonyan. Large Scale GAN Training for High Fidelity Natural Image Synthesis. ICLR 2019 (BigGAN).',
  },
  { key: 'lim2017', short: 'Lim & Ye 2017', full: 'J. H. Lim, J. C. Ye. Geometric GAN. arXiv:1705.02894, 2017 (hinge loss).' },
  {
    key: 'zhang2019',
    short: 'Zhang et al. 2019',
    full: 'H. Zhang, I. Goodfellow, D. Metaxas, A. Odena. Self-Attention Generative Adversarial Networks. ICML 2019.',
  },
  {
    key: 'heusel2017',
    short: 'Heusel et al. 2017',
    full: 'M. Heusel et al. GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash Equilibrium. NeurIPS 2017 (TTUR, FID).',
  },
  {
    key: 'han2021',
    short: 'Han et al. 2021',
    full: 'L. Han, M. R. Min, A. Stathopoulos, Y. Tian, R. Gao, A. Kadav, D. Metaxas. Dual Projection Generative Adversarial Networks for Conditional Image Generation. ICCV 2021 (P2GAN).',
  },
  {
    key: 'odena2017',
    short: 'Odena et al. 2017',
    full: 'A. Odena, C. Olah, J. Shlens. Conditional Image Synthesis with Auxiliary Classifier GANs. ICML 2017 (AC-GAN).',
  },
  {
    key: 'zhao2020',
    short: 'Zhao et al. 2020',
    full: 'S. Zhao, Z. Liu, J. Lin, J.-Y. Zhu, S. Han. Differentiable Augmentation for Data-Efficient GAN Training. NeurIPS 2020.',
  },
  {
    key: 'yazici2019',
    short: 'Yazıcı et al. 2019',
    full: 'Y. Yazıcı et al. The Unusual Effectiveness of Averaging in GAN Training. ICLR 2019 (EMA generator).',
  },
  {
    key: 'he2016',
    short: 'He et al. 2016',
    full: 'K. He, X. Zhang, S. Ren, J. Sun. Deep Residual Learning for Image Recognition. CVPR 2016.',
  },
  { key: 'ho2020', short: 'Ho et al. 2020', full: 'J. Ho, A. Jain, P. Abbeel. Denoising Diffusion Probabilistic Models. NeurIPS 2020.' },
  {
    key: 'karras2022',
    short: 'Karras et al. 2022',
    full: 'T. Karras, M. Aittala, T. Aila, S. Laine. Elucidating the Design Space of Diffusion-Based Generative Models. NeurIPS 2022 (EDM).',
  },
  {
    key: 'dhariwal2021',
    short: 'Dhariwal & Nichol 2021',
    full: 'P. Dhariwal, A. Nichol. Diffusion Models Beat GANs on Image Synthesis. NeurIPS 2021.',
  },
  { key: 'ho2022', short: 'Ho & Salimans 2022', full: 'J. Ho, T. Salimans. Classifier-Free Diffusion Guidance. arXiv:2207.12598, 2022.' },
  {
    key: 'liu2022',
    short: 'Liu et al. 2022',
    full: 'N. Liu, S. Li, Y. Du, A. Torralba, J. B. Tenenbaum. Compositional Visual Generation with Composable Diffusion Models. ECCV 2022.',
  },
  { key: 'song2021', short: 'Song et al. 2021', full: 'J. Song, C. Meng, S. Ermon. Denoising Diffusion Implicit Models. ICLR 2021.' },
  {
    key: 'ronneberger2015',
    short: 'Ronneberger et al. 2015',
    full: 'O. Ronneberger, P. Fischer, T. Brox. U-Net: Convolutional Networks for Biomedical Image Segmentation. MICCAI 2015.',
  },
  { key: 'vaswani2017', short: 'Vaswani et al. 2017', full: 'A. Vaswani et al. Attention Is All You Need. NeurIPS 2017.' },
  { key: 'page2018', short: 'Page 2018', full: 'D. Page. How to Train Your ResNet. Myrtle.ai blog, 2018 (ResNet-9, DAWNBench).' },
  {
    key: 'binkowski2018',
    short: 'Bińkowski et al. 2018',
    full: 'M. Bińkowski, D. J. Sutherland, M. Arbel, A. Gretton. Demystifying MMD GANs. ICLR 2018 (KID).',
  },
  {
    key: 'kynkaanniemi2019',
    short: 'Kynkäänniemi et al. 2019',
    full: 'T. Kynkäänniemi et al. Improved Precision and Recall Metric for Assessing Generative Models. NeurIPS 2019.',
  },
  {
    key: 'naeem2020',
    short: 'Naeem et al. 2020',
    full: 'M. F. Naeem, S. J. Oh, Y. Uh, Y. Choi, J. Yoo. Reliable Fidelity and Diversity Metrics for Generative Models. ICML 2020 (density, coverage).',
  },
  { key: 'kingma2015', short: 'Kingma & Ba 2015', full: 'D. P. Kingma, J. Ba. Adam: A Method for Stochastic Optimization. ICLR 2015.' },
  {
    key: 'karras2020',
    short: 'Karras et al. 2020a',
    full: 'T. Karras, S. Laine, M. Aittala, J. Hellsten, J. Lehtinen, T. Aila. Analyzing and Improving the Image Quality of StyleGAN. CVPR 2020 (StyleGAN2; its downsampling pairs a fixed low-pass filter with a strided convolution, as the discriminator here folds average pooling into its convolution).',
  },
  {
    key: 'karras2020ada',
    short: 'Karras et al. 2020b',
    full: 'T. Karras, M. Aittala, J. Hellsten, S. Laine, J. Lehtinen, T. Aila. Training Generative Adversarial Networks with Limited Data. NeurIPS 2020 (ADA; the held-out discriminator outputs as a sign of overfitting).',
  },
  {
    key: 'lavin2016',
    short: 'Lavin & Gray 2016',
    full: 'A. Lavin, S. Gray. Fast Algorithms for Convolutional Neural Networks. CVPR 2016 (Winograd convolution: 3×3 layers in the engine).',
  },
  {
    key: 'nguyen2017',
    short: 'Nguyen et al. 2017',
    full: 'A. Nguyen, J. Clune, Y. Bengio, A. Dosovitskiy, J. Yosinski. Plug & Play Generative Networks: Conditional Iterative Generation of Images in Latent Space. CVPR 2017.',
  },
  {
    key: 'athalye2018',
    short: 'Athalye et al. 2018',
    full: 'A. Athalye, L. Engstrom, A. Ilyas, K. Kwok. Synthesizing Robust Adversarial Examples. ICML 2018 (expectation over transformations).',
  },
  {
    key: 'otsu1979',
    short: 'Otsu 1979',
    full: 'N. Otsu. A Threshold Selection Method from Gray-Level Histograms. IEEE Trans. SMC 9(1), 1979.',
  },
  {
    key: 'lake2015',
    short: 'Lake et al. 2015',
    full: 'B. M. Lake, R. Salakhutdinov, J. B. Tenenbaum. Human-level concept learning through probabilistic program induction. Science 350(6266), 2015.',
  },
  {
    key: 'dwibedi2017',
    short: 'Dwibedi et al. 2017',
    full: 'D. Dwibedi, I. Misra, M. Hebert. Cut, Paste and Learn: Surprisingly Easy Synthesis for Instance Detection. ICCV 2017.',
  },
  {
    key: 'park2019',
    short: 'Park et al. 2019',
    full: 'T. Park, M.-Y. Liu, T.-C. Wang, J.-Y. Zhu. Semantic Image Synthesis with Spatially-Adaptive Normalization. CVPR 2019 (SPADE).',
  },
  { key: 'perez2003', short: 'Pérez et al. 2003', full: 'P. Pérez, M. Gangnet, A. Blake. Poisson Image Editing. SIGGRAPH 2003.' },
  {
    key: 'noguchi2019',
    short: 'Noguchi & Harada 2019',
    full: 'A. Noguchi, T. Harada. Image Generation From Small Datasets via Batch Statistics Adaptation. ICCV 2019.',
  },
  {
    key: 'bau2020',
    short: 'Bau et al. 2020',
    full: 'D. Bau, S. Liu, T. Wang, J.-Y. Zhu, A. Torralba. Rewriting a Deep Generative Model. ECCV 2020.',
  },
  { key: 'wang2021', short: 'Wang et al. 2021', full: 'S.-Y. Wang, D. Bau, J.-Y. Zhu. Sketch Your Own GAN. ICCV 2021.' },
];

/** The reference with this key, or undefined. */
export function findReference(key: string): Reference | undefined {
  return REFERENCES.find((r) => r.key === key);
}
